import QuantCore

extension CommandError {
    /// The check of every command's `--threads` value (`ThreadCount.range`).
    /// - Throws: `CommandError`, e.g. `--threads must be 1...256, got 0`.
    public static func checkThreads(_ threads: Int) throws(CommandError) {
        if let problem = ThreadCount.problem(threads, name: "--threads") { throw CommandError(problem) }
    }
}
