/// The thread counts every engine accepts (the int8 runtime, the fp32 reference, calibration),
/// and the one check of a thread count that both command lines, the compiler and the runtime
/// make. Here, in the module both worlds import, so there is one range and one message.
///
/// Example: `ThreadCount.problem(0)` is `"threads must be 1...256, got 0"`;
/// `ThreadCount.problem(0, name: "--threads")` is `"--threads must be 1...256, got 0"`;
/// `ThreadCount.problem(8)` is nil.
public enum ThreadCount {
    /// 1...256.
    public static let range: ClosedRange<Int> = 1...256

    /// What is wrong with `threads`, as one line naming `name`; nil when it is in `range`.
    /// - Parameters:
    ///   - threads: a requested number of threads.
    ///   - name: how the message names the value, e.g. `"--threads"` for a command-line option.
    public static func problem(_ threads: Int, name: String = "threads") -> String? {
        range.contains(threads) ? nil : "\(name) must be \(range.lowerBound)...\(range.upperBound), got \(threads)"
    }
}
