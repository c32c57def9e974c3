import QuantCore
#if canImport(Glibc)
import Glibc
#endif

extension CommandError {
    /// The check of every command's `--threads` value (`ThreadCount.range`).
    /// - Throws: `CommandError`, e.g. `--threads must be 1...256, got 0`.
    public static func checkThreads(_ threads: Int) throws(CommandError) {
        if let problem = ThreadCount.problem(threads, name: "--threads") { throw CommandError(problem) }
    }
}

/// The CPUs online (what Foundation's `activeProcessorCount` gives on Linux), at least 1: every
/// command's default `--threads`.
public let availableProcessors = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
