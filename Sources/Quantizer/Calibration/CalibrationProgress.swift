import Foundation

/// Progress of the calibration run on stderr: images done, images per second and the time left.
///
/// On a terminal (`isatty(2)`), one line redrawn in place with a carriage return:
///
///     calibrating [#########...............] 12/32 images, 3.4 images/s, ETA 0:06
///
/// Otherwise (a log file, CI) plain lines, never a carriage return: one each time another tenth
/// of the images is done, then a final line from `finish()`:
///
///     calibrating: 4/32 images (12%), 3.9 images/s, ETA 0:07
///     ...
///     calibrating: 32/32 images in 9.4 s, 3.4 images/s
///
/// The sink and the clock are injectable (tests); neither is touched from more than one thread.
public final class CalibrationProgress {
    public let total: Int
    public let label: String
    public let isTerminal: Bool
    private let sink: (String) -> Void
    private let clock: () -> Double
    private let start: Double
    private var done = 0
    /// Tenths of `total` already reported in plain-line mode.
    private var reportedTenths = 0
    private var finished = false

    /// - Parameters:
    ///   - total: images to process (> 0 for a meaningful rate; 0 is accepted).
    ///   - label: the first word of every line, e.g. "calibrating".
    ///   - isTerminal: redraw one line in place (default: whether stderr is a terminal).
    ///   - sink: receives each piece of output, newlines and carriage returns included
    ///     (default: written to stderr).
    ///   - clock: seconds on a monotonic clock (default: `ContinuousClock`).
    public init(total: Int, label: String, isTerminal: Bool = isatty(2) != 0,
                sink: @escaping (String) -> Void = CalibrationProgress.standardError,
                clock: @escaping () -> Double = CalibrationProgress.monotonicSeconds) {
        self.total = max(total, 0)
        self.label = label
        self.isTerminal = isTerminal
        self.sink = sink
        self.clock = clock
        start = clock()
    }

    /// Reports that `done` images (cumulative, clamped to 0...total) are finished.
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

    /// Prints the final line (once): images done, total time and the average rate.
    public func finish() {
        guard !finished else { return }
        finished = true
        let elapsed = clock() - start
        let line = "\(label): \(done)/\(total) images in \(String(format: "%.1f", elapsed)) s, \(Self.rate(done, elapsed))"
        sink(isTerminal ? "\r" + line + "\u{1B}[K\n" : line + "\n")
    }

    func barLine(elapsed: Double) -> String {
        let width = 24
        let filled = total == 0 ? width : done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        return "\(label) [\(bar)] \(done)/\(total) images, \(Self.rate(done, elapsed)), ETA \(eta(elapsed: elapsed))"
    }

    func plainLine(elapsed: Double) -> String {
        let percent = total == 0 ? 100 : done * 100 / total
        return "\(label): \(done)/\(total) images (\(percent)%), \(Self.rate(done, elapsed)), ETA \(eta(elapsed: elapsed))"
    }

    static func rate(_ done: Int, _ elapsed: Double) -> String {
        guard done > 0 && elapsed > 0 else { return "- images/s" }
        return String(format: "%.1f images/s", Double(done) / elapsed)
    }

    /// Time left at the average rate so far, as m:ss or h:mm:ss; "-" before the first image.
    func eta(elapsed: Double) -> String {
        guard done > 0 && elapsed > 0 else { return "-" }
        return Self.clockTime(elapsed / Double(done) * Double(total - done))
    }

    static func clockTime(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        let (hours, minutes, secs) = (whole / 3600, whole / 60 % 60, whole % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%d:%02d", minutes, secs)
    }

    public static func standardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    public static func monotonicSeconds() -> Double {
        let elapsed = epoch.duration(to: ContinuousClock.now)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    private static let epoch = ContinuousClock.now
}
