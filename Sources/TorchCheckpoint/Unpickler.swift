/// A pickle machine restricted to what a state_dict needs (protocols 2 to 5).
///
/// It implements only the opcodes torch writes for a state_dict (plus their close
/// relatives, such as the Python 2 string opcodes of 2017 checkpoints), resolves globals
/// against `PickleGlobal`'s allow-list, and builds plain values: it cannot run code, import
/// modules or call anything. Hostile structure is bounded: the stack and the memo hold at
/// most `maxStackCount` and `maxMemoCount` values, containers nest at most
/// `maxNestingDepth` deep and cannot form cycles (see `PickleValue.freeze()`), pops never
/// cross a MARK, and every read is bounds-checked by `ByteReader`.
struct Unpickler {
    /// torch's `persistent_load`: turns a persistent id (BINPERSID) into a storage.
    typealias PersistentLoad = (PickleValue) throws(CheckpointProblem) -> PickleValue

    static let maxStackCount = 1 << 20
    static let maxMemoCount = 1 << 20
    static let maxNestingDepth = 64

    private var reader: ByteReader
    /// The stack lives in a class of its own: `Unpickler` is a struct, and a copy of it (which the
    /// compiler makes for some calls) would share the array's buffer and make the next pop copy
    /// the whole stack, quadratic time in its height (found by fuzzing, `popsDoNotCopyTheStack`).
    private final class Stack {
        var values: [PickleValue] = []
    }
    private let stackStorage = Stack()
    private var stack: [PickleValue] {
        get { stackStorage.values }
        _modify { yield &stackStorage.values }
    }
    /// Stack heights at each open MARK, innermost last.
    private var markHeights: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    /// Where the opcode being run starts, for messages.
    private var opcodeOffset = 0

    private init(reader: ByteReader) {
        self.reader = reader
    }

    /// Runs one pickle from `reader`'s position through its STOP opcode, leaves `reader`
    /// just past it, and returns the pickled value.
    ///
    /// - Parameter persistentLoad: resolves persistent ids; a pickle that has one when this
    ///   is nil is an error.
    /// - Throws: `CheckpointProblem` for an unsupported opcode, a global outside the
    ///   allow-list, malformed structure, exceeded bounds or truncated input.
    static func load(_ reader: inout ByteReader, persistentLoad: PersistentLoad? = nil) throws(CheckpointProblem) -> PickleValue {
        var machine = Unpickler(reader: reader)
        let value = try machine.run(persistentLoad)
        reader = machine.reader
        return value
    }

    private enum Opcode: UInt8 {
        case mark = 0x28, emptyTuple = 0x29, stop = 0x2e
        case binBytes = 0x42, shortBinBytes = 0x43, binFloat = 0x47, binInt = 0x4a, binInt1 = 0x4b, binInt2 = 0x4d
        case none = 0x4e, binPersID = 0x51, reduce = 0x52, binString = 0x54, shortBinString = 0x55
        case binUnicode = 0x58, emptyList = 0x5d, append = 0x61, build = 0x62, global = 0x63, dict = 0x64
        case appends = 0x65, binGet = 0x68, longBinGet = 0x6a, list = 0x6c, binPut = 0x71, longBinPut = 0x72
        case setItem = 0x73, tuple = 0x74, setItems = 0x75, emptyDict = 0x7d
        case proto = 0x80, newObj = 0x81, tuple1 = 0x85, tuple2 = 0x86, tuple3 = 0x87, newTrue = 0x88
        case newFalse = 0x89, long1 = 0x8a, shortBinUnicode = 0x8c, binUnicode8 = 0x8d
        case stackGlobal = 0x93, memoize = 0x94, frame = 0x95
    }

    private mutating func run(_ persistentLoad: PersistentLoad?) throws(CheckpointProblem) -> PickleValue {
        while true {
            opcodeOffset = reader.offset
            let byte = try reader.readUInt8()
            guard let opcode = Opcode(rawValue: byte) else {
                throw problem("unsupported pickle opcode 0x\(String(byte, radix: 16))")
            }
            switch opcode {
            case .proto:
                let version = try reader.readUInt8()
                guard version <= 5 else { throw problem("unknown pickle protocol \(version)") }
            case .frame:
                _ = try reader.readLittleEndian(UInt64.self)  // A size hint; the opcodes follow inline.
            case .stop:
                return try pop()

            case .none: try push(.none)
            case .newTrue: try push(.bool(true))
            case .newFalse: try push(.bool(false))
            case .binInt: try push(.int(Int(try reader.readLittleEndian(Int32.self))))
            case .binInt1: try push(.int(Int(try reader.readUInt8())))
            case .binInt2: try push(.int(Int(try reader.readLittleEndian(UInt16.self))))
            case .long1: try push(try readLong1())
            case .binFloat:
                let range = try reader.skip(8)
                let bits = UInt64(bigEndian: reader.bytes.loadUnaligned(fromByteOffset: range.lowerBound, as: UInt64.self))
                try push(.float(Double(bitPattern: bits)))
            case .shortBinUnicode, .shortBinString: try push(.string(try readString(Int(try reader.readUInt8()))))
            case .binUnicode: try push(.string(try readString(try reader.readLength(UInt32.self))))
            case .binUnicode8: try push(.string(try readString(try reader.readLength(UInt64.self))))
            case .binString:
                let count = try reader.readLittleEndian(Int32.self)
                guard count >= 0 else { throw problem("negative string length \(count)") }
                try push(.string(try readString(Int(count))))
            case .shortBinBytes: try push(.bytes(try reader.readBytes(Int(try reader.readUInt8()))))
            case .binBytes: try push(.bytes(try reader.readBytes(try reader.readLength(UInt32.self))))

            case .mark:
                guard markHeights.count < Self.maxStackCount else { throw problem("too many open MARKs") }
                markHeights.append(stack.count)
            case .emptyTuple: try push(.tuple(PickleTuple([])))
            case .tuple: try push(try makeTuple(try popMark()))
            case .tuple1: try push(try makeTuple(try pop(1)))
            case .tuple2: try push(try makeTuple(try pop(2)))
            case .tuple3: try push(try makeTuple(try pop(3)))
            case .emptyList: try push(.list(PickleList()))
            case .list:
                let list = PickleList()
                try append(try popMark(), to: list)
                try push(.list(list))
            case .append: try append(try pop(1), to: try topList())
            case .appends: try append(try popMark(), to: try topList())
            case .emptyDict: try push(.dict(PickleDict()))
            case .dict:
                let dict = PickleDict()
                try setItems(try popMark(), in: dict)
                try push(.dict(dict))
            case .setItem: try setItems(try pop(2), in: try topDict())
            case .setItems: try setItems(try popMark(), in: try topDict())

            case .binPut: try put(Int(try reader.readUInt8()))
            case .longBinPut: try put(Int(try reader.readLittleEndian(UInt32.self)))
            case .memoize: try put(memo.count)
            case .binGet: try push(try get(Int(try reader.readUInt8())))
            case .longBinGet: try push(try get(Int(try reader.readLittleEndian(UInt32.self))))

            case .global:
                let module = try decodeUTF8(try reader.readLine())
                let name = try decodeUTF8(try reader.readLine())
                try push(.global(try resolve(module: module, name: name)))
            case .stackGlobal:
                let strings = try pop(2)
                guard case .string(let module) = strings[0], case .string(let name) = strings[1] else {
                    throw problem("STACK_GLOBAL needs two strings")
                }
                try push(.global(try resolve(module: module, name: name)))
            case .reduce, .newObj:
                let operands = try pop(2)
                guard case .global(let callee) = operands[0], case .tuple(let arguments) = operands[1] else {
                    throw problem("\(opcode == .reduce ? "REDUCE" : "NEWOBJ") needs a global and an argument tuple")
                }
                guard opcode == .reduce || callee == .orderedDict else {
                    throw problem("NEWOBJ of \(callee.qualifiedName), which is not a class")
                }
                try push(try callee.call(arguments.items))
            case .build:
                _ = try pop()  // The state: an OrderedDict's attributes (torch's `_metadata`), not needed.
                guard case .dict = try top() else {
                    throw problem("BUILD on \(try top().kindDescription); only an OrderedDict's state is accepted")
                }
            case .binPersID:
                let persistentID = try pop()
                guard let persistentLoad else { throw problem("unexpected persistent id") }
                try push(try persistentLoad(persistentID))
            }
        }
    }

    /// A structural problem, located at the current opcode.
    private func problem(_ message: String) -> CheckpointProblem {
        CheckpointProblem("\(message) (\(reader.context), opcode at offset \(opcodeOffset))")
    }

    // MARK: Stack and memo

    private mutating func push(_ value: PickleValue) throws(CheckpointProblem) {
        guard stack.count < Self.maxStackCount else { throw problem("pickle stack exceeds \(Self.maxStackCount) values") }
        stack.append(value)
    }

    /// The values above the innermost MARK (or the whole stack when none is open).
    private var poppableCount: Int { stack.count - (markHeights.last ?? 0) }

    private mutating func pop() throws(CheckpointProblem) -> PickleValue {
        guard poppableCount >= 1 else { throw problem("pickle stack underflow") }
        return stack.removeLast()
    }

    /// Pops `count` values and returns them in stack order (deepest first).
    private mutating func pop(_ count: Int) throws(CheckpointProblem) -> [PickleValue] {
        guard poppableCount >= count else { throw problem("pickle stack underflow") }
        return popTop(count)
    }

    private mutating func popMark() throws(CheckpointProblem) -> [PickleValue] {
        guard let height = markHeights.popLast() else { throw problem("no MARK to pop to") }
        return popTop(stack.count - height)
    }

    /// The top `count` values, deepest first, removed one by one: O(count). (Copying a slice of
    /// the stack and then removing it kept the slice alive across the removal, so every pop
    /// copied the whole stack: quadratic time in the stack's height. The fuzzer found a 5.8 KB
    /// file that took seconds; 16 KB of NEWFALSE, TUPLE1 took 7.7 s.)
    private mutating func popTop(_ count: Int) -> [PickleValue] {
        var values: [PickleValue] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(stack.removeLast()) }
        values.reverse()
        return values
    }

    private func top() throws(CheckpointProblem) -> PickleValue {
        guard poppableCount >= 1, let last = stack.last else { throw problem("pickle stack underflow") }
        return last
    }

    private mutating func put(_ index: Int) throws(CheckpointProblem) {
        guard memo[index] != nil || memo.count < Self.maxMemoCount else {
            throw problem("pickle memo exceeds \(Self.maxMemoCount) values")
        }
        memo[index] = try top()
    }

    private func get(_ index: Int) throws(CheckpointProblem) -> PickleValue {
        guard let value = memo[index] else { throw problem("memo entry \(index) is read before it is written") }
        return value
    }

    // MARK: Containers

    private func makeTuple(_ items: [PickleValue]) throws(CheckpointProblem) -> PickleValue {
        items.forEach { $0.freeze() }
        let tuple = PickleTuple(items)
        try checkDepth(tuple.nestingDepth)
        return .tuple(tuple)
    }

    private func topList() throws(CheckpointProblem) -> PickleList {
        let value = try top()
        guard case .list(let list) = value else { throw problem("APPEND to \(value.kindDescription)") }
        return list
    }

    private func topDict() throws(CheckpointProblem) -> PickleDict {
        let value = try top()
        guard case .dict(let dict) = value else { throw problem("SETITEM on \(value.kindDescription)") }
        return dict
    }

    private func append(_ items: [PickleValue], to list: PickleList) throws(CheckpointProblem) {
        items.forEach { $0.freeze() }  // First, so that appending a list to itself is caught below.
        guard !list.isFrozen else { throw problem("the pickle changes a list after nesting it") }
        for item in items {
            list.append(item)
        }
        try checkDepth(list.nestingDepth)
    }

    private func setItems(_ keysAndValues: [PickleValue], in dict: PickleDict) throws(CheckpointProblem) {
        guard keysAndValues.count.isMultiple(of: 2) else { throw problem("SETITEMS with an odd number of values") }
        keysAndValues.forEach { $0.freeze() }  // First, so that putting a dict into itself is caught below.
        guard !dict.isFrozen else { throw problem("the pickle changes a dict after nesting it") }
        for index in stride(from: 0, to: keysAndValues.count, by: 2) {
            switch keysAndValues[index] {
            case .string(let key): dict.set(key, keysAndValues[index + 1])
            case .int, .wideInt: dict.dropIntKeyed(keysAndValues[index + 1])  // an optimizer's per-parameter state
            default:
                throw problem("a dict key is \(keysAndValues[index].kindDescription); checkpoints have string or int keys")
            }
        }
        try checkDepth(dict.nestingDepth)
    }

    private func checkDepth(_ depth: Int) throws(CheckpointProblem) {
        guard depth <= Self.maxNestingDepth else {
            throw problem("containers nest deeper than \(Self.maxNestingDepth) levels")
        }
    }

    // MARK: Operands

    private func resolve(module: String, name: String) throws(CheckpointProblem) -> PickleGlobal {
        guard let global = PickleGlobal(module: module, name: name) else {
            // torch.save(model) pickles the model's class and every submodule's: a whole model, not its weights.
            let wholeModel = module == "__main__" || module.hasPrefix("torch.nn.") || module.hasPrefix("torchvision.")
            throw CheckpointProblem(
                "refusing to load: the pickle names the global \(CheckpointProblem.quote("\(module).\(name)")), "
                    + "which is not on the allow-list"
                    + (wholeModel ? "; the file looks like a whole pickled model (torch.save(model)), whose loading would "
                        + "run code: re-save its weights with torch.save(model.state_dict(), 'weights.pth')" : ""))
        }
        return global
    }

    private mutating func readString(_ byteCount: Int) throws(CheckpointProblem) -> String {
        try decodeUTF8(try reader.readBytes(byteCount))
    }

    private func decodeUTF8(_ bytes: [UInt8]) throws(CheckpointProblem) -> String {
        guard let string = String(validating: bytes, as: UTF8.self) else { throw problem("a string is not valid UTF-8") }
        return string
    }

    /// LONG1: a length byte, then that many bytes of little-endian two's complement.
    private mutating func readLong1() throws(CheckpointProblem) -> PickleValue {
        let bytes = try reader.readBytes(Int(try reader.readUInt8()))
        guard bytes.count <= 8 else { return .wideInt(bytes) }
        var value: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            value |= UInt64(byte) << (8 * index)
        }
        let unusedBits = 64 - 8 * bytes.count
        return .int(bytes.isEmpty ? 0 : Int(Int64(bitPattern: value << unusedBits) >> unusedBits))
    }
}
