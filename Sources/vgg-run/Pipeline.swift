import Foundation
import VGGInt8Runtime

/// One image's outcome: its logits, or the one line saying why it has none.
enum Outcome: Sendable {
    case logits([Float])
    case failure(String)
}

/// Many images through one classifier: a decoder thread reads and preprocesses the images in
/// order, a few ahead (bounded), while `jobs` workers, each with its own context of `threads`,
/// run the network on them; outcomes reach `deliver` on the calling thread in input order, as
/// soon as each one's predecessors are done, so memory stays flat for any number of images.
enum Pipeline {
    static func run(_ classifier: Classifier, paths: [String], jobs: Int, threads: Int,
                    deliver: (Int, Outcome) -> Void) throws(ClassifierError) {
        let workers = try (0..<jobs).map { _ throws(ClassifierError) in Worker(try classifier.makeContext(threads: threads)) }
        let decoded = Channel<(Int, Result<[Float], ClassifierError>)>(capacity: 2 * jobs)
        let outcomes = Outcomes()
        let decoder = Thread {
            for (index, path) in paths.enumerated() {
                decoded.put((index, Result { () throws(ClassifierError) in try classifier.preprocess(imageAt: path) }))
            }
            decoded.close()
        }
        decoder.stackSize = 8 << 20
        decoder.start()
        for worker in workers {
            let thread = Thread {
                while let (index, input) = decoded.take() {
                    switch input {
                    case .success(let tensor):
                        // (the size is the blob's own: preprocessing made it)
                        let logits = (try? worker.context.classify(preprocessed: tensor).logits) ?? []
                        outcomes.set(index, .logits(logits))
                    case .failure(let error):
                        outcomes.set(index, .failure(error.description))
                    }
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        for index in paths.indices { deliver(index, outcomes.take(index)) }
    }

    /// A context used by one worker thread only.
    final class Worker: @unchecked Sendable {
        let context: ClassifierContext
        init(_ context: ClassifierContext) { self.context = context }
    }
}

/// A bounded first-in first-out queue between threads; `take` returns nil once it is closed and empty.
final class Channel<Element: Sendable>: @unchecked Sendable {  // every access holds `condition`
    private let condition = NSCondition()
    private var items: [Element] = []
    private var head = 0
    private var closed = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    func put(_ item: Element) {
        condition.lock()
        while items.count - head >= capacity { condition.wait() }
        items.append(item)
        condition.broadcast()
        condition.unlock()
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count && !closed { condition.wait() }
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        if head == items.count { items.removeAll(keepingCapacity: true); head = 0 }
        condition.broadcast()
        return item
    }
}

/// Finished outcomes by input index, until the caller takes them in order.
final class Outcomes: @unchecked Sendable {  // every access holds `condition`
    private let condition = NSCondition()
    private var done: [Int: Outcome] = [:]

    func set(_ index: Int, _ outcome: Outcome) {
        condition.lock()
        done[index] = outcome
        condition.broadcast()
        condition.unlock()
    }

    func take(_ index: Int) -> Outcome {
        condition.lock()
        defer { condition.unlock() }
        while done[index] == nil { condition.wait() }
        return done.removeValue(forKey: index)!
    }
}
