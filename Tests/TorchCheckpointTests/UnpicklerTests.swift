import Testing

@testable import TorchCheckpoint

/// The restricted unpickler on hand-made pickles: what it builds, and what it refuses.
@Suite struct UnpicklerTests {
    /// Unpickles `bytes` (no persistent ids) and returns the value or the problem's message.
    private func unpickle(_ bytes: [UInt8]) -> Result<PickleValue, CheckpointProblem> {
        bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw, range: 0..<raw.count, context: "test pickle")
            do throws(CheckpointProblem) {
                return .success(try Unpickler.load(&reader))
            } catch {
                return .failure(error)
            }
        }
    }

    private func problem(_ bytes: [UInt8]) -> String {
        guard case .failure(let problem) = unpickle(bytes) else { return "no problem" }
        return problem.message
    }

    /// The bytes of an ASCII-only string (a character above 0x7f would become two bytes).
    /// The parts one after another (one call instead of a chain of `+`, which Swift 6.0's type
    /// checker gives up on).
    private func concatenated(_ parts: [UInt8]...) -> [UInt8] { parts.flatMap { $0 } }

    private func ascii(_ text: String) -> [UInt8] {
        precondition(text.utf8.allSatisfy { $0 < 0x80 })
        return Array(text.utf8)
    }

    /// An optimizer's state dict has int keys: such entries are counted and dropped, the string-keyed ones kept.
    @Test func intKeyedEntriesAreCountedAndDropped() throws {
        // {1: 2, 'a': 3}
        let bytes = concatenated([0x7d, 0x28, 0x4b, 1, 0x4b, 2, 0x8c, 1], ascii("a"), [0x4b, 3, 0x75, 0x2e])
        guard case .success(.dict(let dict)) = unpickle(bytes) else {
            Issue.record("\(unpickle(bytes))")
            return
        }
        #expect(dict.keys == ["a"] && dict.intKeyedCount == 1)
        if case .int(3)? = dict.values["a"] {} else { Issue.record("a = \(String(describing: dict.values["a"]))") }
    }

    @Test func refusesGlobalsOutsideTheAllowList() {
        let protocol4 = [0x80, 0x04] as [UInt8]
        let stackGlobal = concatenated(protocol4, [0x8c, 8], ascii("builtins"), [0x8c, 4], ascii("eval"), [0x93, 0x2e])
        #expect(problem(stackGlobal).hasPrefix("refusing to load: the pickle names the global 'builtins.eval'"))
        let global = ascii("csubprocess\nPopen\n.")
        #expect(problem(global) == "refusing to load: the pickle names the global 'subprocess.Popen', which is not on the allow-list")
        #expect(problem(ascii("ctorch.nn.parameter\nParameter\n.")).contains("'torch.nn.parameter.Parameter'"))
        #expect(problem(ascii("ctorch\nFooStorage\n.")).contains("'torch.FooStorage'"))
    }

    @Test func allowListHoldsWhatStateDictsName() {
        #expect(PickleGlobal(module: "collections", name: "OrderedDict") == .orderedDict)
        #expect(PickleGlobal(module: "torch._utils", name: "_rebuild_tensor") == .rebuildTensor)
        #expect(PickleGlobal(module: "torch._utils", name: "_rebuild_tensor_v2") == .rebuildTensorV2)
        #expect(PickleGlobal(module: "torch._utils", name: "_rebuild_parameter") == .rebuildParameter)
        #expect(PickleGlobal(module: "torch", name: "BFloat16Storage") == .storageClass(.bfloat16))
        #expect(PickleGlobal(module: "torch.cuda", name: "HalfStorage") == .storageClass(.float16))
        #expect(PickleGlobal(module: "os", name: "system") == nil)
        for dtype in TensorDType.allCases {
            #expect(PickleGlobal(module: "torch", name: dtype.storageClassName) == .storageClass(dtype))
        }
    }

    @Test func buildsAnOrderedDictWithItsMetadataState() throws {
        // OrderedDict(); SETITEMS {'b': 1, 'a': 2}; BUILD {'_metadata': {}}
        let bytes = concatenated([0x80, 0x02], ascii("ccollections\nOrderedDict\n)R("), [0x8c, 1], ascii("b"), [0x4b, 1],
                                 [0x8c, 1], ascii("a"), [0x4b, 2], ascii("u}"), [0x8c, 9], ascii("_metadata}sb."))
        guard case .success(.dict(let dict)) = unpickle(bytes) else {
            Issue.record("not a dict: \(unpickle(bytes))")
            return
        }
        #expect(dict.keys == ["b", "a"])
        guard case .int(2) = dict.values["a"] else {
            Issue.record("a != 2")
            return
        }
    }

    @Test func readsLong1AsTwosComplement() {
        func long1(_ bytes: [UInt8]) -> PickleValue? { try? unpickle([0x8a, UInt8(bytes.count)] + bytes + [0x2e]).get() }
        guard case .int(-1) = long1([0xff]), case .int(0) = long1([]), case .int(255) = long1([0xff, 0x00]),
            case .int(Int.min) = long1([0, 0, 0, 0, 0, 0, 0, 0x80]),
            case .wideInt([0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]) =
                long1([0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19])
        else {
            Issue.record("LONG1 decoded wrongly")
            return
        }
    }

    @Test func rejectsMalformedStructure() {
        #expect(problem(ascii("i")).hasPrefix("unsupported pickle opcode 0x69"))
        #expect(problem(ascii(".")).hasPrefix("pickle stack underflow"))
        #expect(problem(ascii("N(") + [0x85]).hasPrefix("pickle stack underflow"))  // TUPLE1 may not pop across a MARK.
        #expect(problem(ascii("t")).hasPrefix("no MARK to pop to"))
        #expect(problem([0x68, 5]).hasPrefix("memo entry 5 is read before it is written"))
        #expect(problem(ascii("NNR")).hasPrefix("REDUCE needs a global and an argument tuple"))
        #expect(problem(ascii("ctorch._utils\n_rebuild_tensor\n)") + [0x81]).hasPrefix("NEWOBJ of torch._utils._rebuild_tensor"))
        #expect(problem(ascii("]Nb")).hasPrefix("BUILD on a list"))
        #expect(problem([0x7d, 0x4e, 0x4b, 2, 0x73, 0x2e]).hasPrefix("a dict key is None; checkpoints have string or int keys"))
        #expect(problem(ascii("NQ")).hasPrefix("unexpected persistent id"))
        #expect(problem([0x80, 6]).hasPrefix("unknown pickle protocol 6"))
        #expect(problem(ascii("X") + [0xe8, 0x03, 0, 0] + ascii("abc")).hasPrefix("truncated test pickle: needs 1000 bytes at offset 5"))
        #expect(problem([0x8c, 2, 0xc3, 0x28, 0x2e]).hasPrefix("a string is not valid UTF-8"))
        #expect(problem(ascii("N")).hasPrefix("truncated test pickle"))
    }

    @Test func boundsNestingAndForbidsCycles() {
        let deep = ascii(")") + [UInt8](repeating: 0x85, count: Unpickler.maxNestingDepth) + ascii(".")
        #expect(problem(deep).hasPrefix("containers nest deeper than \(Unpickler.maxNestingDepth) levels"))
        let atLimit = ascii(")") + [UInt8](repeating: 0x85, count: Unpickler.maxNestingDepth - 1) + ascii(".")
        #expect(problem(atLimit) == "no problem")
        #expect(problem(ascii("]q\u{0}h\u{0}a")).hasPrefix("the pickle changes a list after nesting it"))
        #expect(problem(ascii("]q\u{0}") + [0x85] + ascii("h\u{0}Na")).hasPrefix("the pickle changes a list after nesting it"))
        let changedDict: [UInt8] = [0x7d, 0x71, 0, 0x85, 0x68, 0, 0x8c, 1, 0x6b, 0x4e, 0x73]
        #expect(problem(changedDict).hasPrefix("the pickle changes a dict after nesting it"))
    }

    @Test func boundsTheStackAndTheMemo() {
        let tooManyValues = [UInt8](repeating: 0x4e, count: Unpickler.maxStackCount + 1)
        #expect(problem(tooManyValues).hasPrefix("pickle stack exceeds \(Unpickler.maxStackCount) values"))
        var tooManyMemoEntries = ascii("N")
        for index in 0...Unpickler.maxMemoCount {
            tooManyMemoEntries += [0x72] + withUnsafeBytes(of: UInt32(index).littleEndian, Array.init)
        }
        #expect(problem(tooManyMemoEntries).hasPrefix("pickle memo exceeds \(Unpickler.maxMemoCount) values"))
    }

    /// Linear time in the stack's height: 200,000 one-item tuples left on the stack (NEWFALSE,
    /// TUPLE1 repeated, 400 KB), and 100,000 lists closed by MARK ... LIST one at a time under
    /// a deep stack, load in well under a second. Popping once copied the whole stack: the
    /// fuzzer's 5.8 KB legacy file took seconds, and this pickle would take hours.
    @Test func popsDoNotCopyTheStack() {
        let tuples = [0x80, 0x02] + [UInt8](repeating: 0, count: 0) + Array([[UInt8]](repeating: [0x89, 0x85], count: 200_000).joined())
            + [0x5d, 0x2e]  // EMPTY_LIST, STOP: the root is the last value pushed
        let marks = [0x80, 0x02] + Array([[UInt8]](repeating: [0x89], count: 100_000).joined())
            + Array([[UInt8]](repeating: [0x28, 0x89, 0x6c], count: 100_000).joined()) + [0x5d, 0x2e]  // MARK NEWFALSE LIST
        for bytes in [tuples, marks] {
            let start = ContinuousClock.now
            let result = unpickle(bytes)
            let elapsed = ContinuousClock.now - start
            if case .failure(let error) = result { Issue.record("\(error.message)") }
            #expect(elapsed < .seconds(2), "\(bytes.count) bytes took \(elapsed)")
        }
    }
}
