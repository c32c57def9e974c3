import Dispatch
import VGGInt8Runtime

/// One image's outcome: its logits, or the one line saying why it has none.
enum Outcome: Sendable {
    case logits([Float])
    case failure(String)
}

/// Many images through one classifier: a decoder thread reads and preprocesses the images in
/// order, a few ahead, while `jobs` workers, each with its own context of `threads`, run the
/// network on them; outcomes reach `deliver` on the calling thread in input order, as soon as
/// each one's predecessors are done. At most 4 x `jobs` images are in flight between the decoder
/// and delivery, so memory stays flat for any number of images and any reader of the results.
enum Pipeline {
    static func run(_ classifier: Classifier, paths: [String], jobs: Int, threads: Int,
                    deliver: (Int, Outcome) -> Void) throws(ClassifierError) {
        precondition(jobs >= 1, "jobs must be at least 1")
        let workers = try (0..<jobs).map { _ throws(ClassifierError) in Worker(try classifier.makeContext(threads: threads)) }
        let decoded = Channel<(Int, Result<[Float], ClassifierError>)>(capacity: 2 * jobs)
        let outcomes = Outcomes()
        // At most `window` images between the decoder and delivery: a slow reader of the results
        // (a pipe) holds the workers back instead of letting outcomes pile up.
        let window = DispatchSemaphore(value: 4 * jobs)
        startThread {
            for (index, path) in paths.enumerated() {
                window.wait()
                decoded.put((index, Result { () throws(ClassifierError) in try classifier.preprocess(imageAt: path) }))
            }
            decoded.close()
        }
        for worker in workers {
            startThread {
                while let (index, input) = decoded.take() {
                    switch input {
                    case .success(let tensor):
                        do throws(ClassifierError) {
                            outcomes.set(index, .logits(try worker.context.classify(preprocessed: tensor).logits))
                        } catch {
                            outcomes.set(index, .failure(error.description))
                        }
                    case .failure(let error):
                        outcomes.set(index, .failure(error.description))
                    }
                }
            }
        }
        for index in paths.indices {
            deliver(index, outcomes.take(index))
            window.signal()
        }
    }

    /// A context used by one worker thread only.
    final class Worker: @unchecked Sendable {
        let context: ClassifierContext
        init(_ context: ClassifierContext) { self.context = context }
    }
}

/// A bounded first-in first-out queue between threads; `take` returns nil once it is closed and empty.
final class Channel<Element: Sendable>: @unchecked Sendable {  // every access holds `condition`
    private let condition = Condition()
    private var items: [Element] = []  // at most `capacity`: removeFirst is cheap
    private var closed = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    func put(_ item: Element) {
        condition.lock()
        while items.count >= capacity { condition.wait() }
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
        while items.isEmpty && !closed { condition.wait() }
        guard !items.isEmpty else { return nil }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }
}

/// Finished outcomes by input index, until the caller takes them in order.
final class Outcomes: @unchecked Sendable {  // every access holds `condition`
    private let condition = Condition()
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
