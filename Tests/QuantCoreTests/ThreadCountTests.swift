import QuantCore
import Testing

/// The one thread-count check: its range ends and its message, which the command lines quote.
@Test func threadCountProblemNamesTheRange() {
    #expect(ThreadCount.problem(1) == nil && ThreadCount.problem(256) == nil)
    #expect(ThreadCount.problem(0) == "threads must be 1...256, got 0")
    #expect(ThreadCount.problem(257, name: "--threads") == "--threads must be 1...256, got 257")
    #expect(ThreadCount.problem(-1) != nil)
}
