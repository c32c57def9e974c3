import Classification
#if canImport(Glibc)
import Glibc
#endif

/// Progress of a long step on stderr (calibrating, evaluating, downloading): how much is done, the
/// rate and the time left.
///
/// On a terminal (`isatty(2)`), one line redrawn in place with a carriage return:
///
///     calibrating [#########...............] 12/32 images, 3.4 images/s, ETA 0:06
///     downloading [#########...............] 210.5/553.4 MB, 11.2 MB/s, ETA 0:31
///
/// Otherwise (a log file, CI) plain lines, never a carriage return: one each time another tenth
/// is done, then a final line from `finish()`:
///
///     calibrating: 4/32 images (12%), 3.9 images/s, ETA 0:07
///     ...
///     calibrating: 32/32 images in 9.4 s, 3.4 images/s
///
/// The rate counts only what this run did: a download resumed at 200 MB (`startingAt`) starts its
/// rate from there. The sink and the clock are injectable (tests); neither is touched from more
/// than one thread. No Foundation (this module is vgg-run's too).
public final class ProgressLine {
    /// What is counted, and how it is written.
    public enum Unit: Sendable {
        /// `12/32 images`, `3.4 images/s`
        case images
        /// `210.5/553.4 MB`, `11.2 MB/s` (MB: 10^6 bytes)
        case bytes
    }

    public let total: Int
    public let label: String
    public let unit: Unit
    public let isTerminal: Bool
    private let sink: (String) -> Void
    private let clock: () -> Double
    private let start: Double
    private let startCount: Int
    private var done: Int
    /// Tenths of `total` already reported in plain-line mode.
    private var reportedTenths: Int
    private var finished = false

    /// Whether `finish()` was called.
    public var isFinished: Bool { finished }

    /// - Parameters:
    ///   - total: the amount of work (> 0 for a meaningful rate; 0 is accepted).
    ///   - label: the first word of every line, e.g. "calibrating".
    ///   - unit: images or bytes.
    ///   - startingAt: work done before this run (a resumed download); not counted in the rate.
    ///   - isTerminal: redraw one line in place (default: whether stderr is a terminal).
    ///   - sink: receives each piece of output, newlines and carriage returns included
    ///     (default: written to stderr).
    ///   - clock: seconds on a monotonic clock (default: `ContinuousClock`).
    public init(total: Int, label: String, unit: Unit = .images, startingAt: Int = 0, isTerminal: Bool = isatty(2) != 0,
                sink: @escaping (String) -> Void = ProgressLine.standardError,
                clock: @escaping () -> Double = ProgressLine.monotonicSeconds) {
        self.total = max(total, 0)
        self.label = label
        self.unit = unit
        self.isTerminal = isTerminal
        self.sink = sink
        self.clock = clock
        start = clock()
        startCount = min(max(startingAt, 0), self.total)
        done = startCount
        reportedTenths = self.total == 0 ? 0 : startCount * 10 / self.total
    }

    /// Reports that `done` (cumulative, clamped to 0...total) is finished.
    public func update(done: Int) {
        guard !finished else { return }
        self.done = min(max(done, 0), total)
        let elapsed = clock() - start
        if isTerminal {
            sink("\r" + barLine(elapsed: elapsed) + "\u{1B}[K")
        } else {
            let tenths = total == 0 ? 10 : self.done * 10 / total
            guard tenths > reportedTenths && self.done < total else { return }
            reportedTenths = tenths
            sink(plainLine(elapsed: elapsed) + "\n")
        }
    }

    /// Prints the final line (once): the amount done, the total time and the average rate.
    public func finish() {
        guard !finished else { return }
        finished = true
        let elapsed = clock() - start
        let line = "\(label): \(amount) in \(Self.decimal(elapsed)) s, \(rate(elapsed))"
        sink(isTerminal ? "\r" + line + "\u{1B}[K\n" : line + "\n")
    }

    func barLine(elapsed: Double) -> String {
        let width = 24
        let filled = total == 0 ? width : done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        return "\(label) [\(bar)] \(amount), \(rate(elapsed)), ETA \(eta(elapsed: elapsed))"
    }

    func plainLine(elapsed: Double) -> String {
        let percent = total == 0 ? 100 : done * 100 / total
        return "\(label): \(amount) (\(percent)%), \(rate(elapsed)), ETA \(eta(elapsed: elapsed))"
    }

    /// `12/32 images` or `210.5/553.4 MB`.
    private var amount: String {
        switch unit {
        case .images: "\(done)/\(total) images"
        case .bytes: "\(Self.megabytes(done))/\(Self.megabytes(total)) MB"
        }
    }

    private func rate(_ elapsed: Double) -> String {
        let name = unit == .images ? "images/s" : "MB/s"
        let count = done - startCount
        guard count > 0 && elapsed > 0 else { return "- \(name)" }
        let perSecond = Double(count) / elapsed / (unit == .images ? 1 : 1e6)
        return "\(Self.decimal(perSecond)) \(name)"
    }

    /// Time left at this run's average rate, as m:ss or h:mm:ss; "-" before anything is done.
    func eta(elapsed: Double) -> String {
        let count = done - startCount
        guard count > 0 && elapsed > 0 else { return "-" }
        return Self.clockTime(elapsed / Double(count) * Double(total - done))
    }

    static func clockTime(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        let (hours, minutes, secs) = (whole / 3600, whole / 60 % 60, whole % 60)
        return hours > 0 ? formatted("%d:%02d:%02d", hours, minutes, secs) : formatted("%d:%02d", minutes, secs)
    }

    /// `x` with one decimal, as printf's `%.1f`.
    static func decimal(_ x: Double) -> String { formatted("%.1f", x) }

    static func megabytes(_ bytes: Int) -> String { decimal(Double(bytes) / 1e6) }

    public static func standardError(_ text: String) { writeToStandardError(text) }

    public static func monotonicSeconds() -> Double {
        let elapsed = epoch.duration(to: ContinuousClock.now)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    private static let epoch = ContinuousClock.now
}
