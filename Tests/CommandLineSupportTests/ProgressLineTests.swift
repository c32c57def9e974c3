import Testing
@testable import CommandLineSupport

/// A clock the test advances by hand and a sink that records every piece of output.
private final class Recorder {
    var now = 100.0
    var output: [String] = []
}

@Suite struct ProgressLineTests {
    /// Not a terminal: plain lines at each new tenth of the work, then one final line;
    /// never a carriage return or an escape sequence.
    @Test func plainLinesWhenStderrIsNotATerminal() {
        let recorder = Recorder()
        let progress = ProgressLine(total: 32, label: "calibrating", isTerminal: false,
                                           sink: { recorder.output.append($0) }, clock: { recorder.now })
        for done in stride(from: 4, through: 32, by: 4) {
            recorder.now += 2    // 4 images every 2 s: 2.0 images/s
            progress.update(done: done)
        }
        progress.finish()
        progress.finish()
        #expect(recorder.output == [
            "calibrating: 4/32 images (12%), 2.0 images/s, ETA 0:14\n",
            "calibrating: 8/32 images (25%), 2.0 images/s, ETA 0:12\n",
            "calibrating: 12/32 images (37%), 2.0 images/s, ETA 0:10\n",
            "calibrating: 16/32 images (50%), 2.0 images/s, ETA 0:08\n",
            "calibrating: 20/32 images (62%), 2.0 images/s, ETA 0:06\n",
            "calibrating: 24/32 images (75%), 2.0 images/s, ETA 0:04\n",
            "calibrating: 28/32 images (87%), 2.0 images/s, ETA 0:02\n",
            "calibrating: 32/32 images in 16.0 s, 2.0 images/s\n",
        ])
    }

    /// One update per image: at most one line per tenth, however many updates arrive.
    @Test func plainLinesAreThrottledToTenths() {
        let recorder = Recorder()
        let progress = ProgressLine(total: 1000, label: "calibrating", isTerminal: false,
                                           sink: { recorder.output.append($0) }, clock: { recorder.now })
        for done in 1...1000 {
            recorder.now += 0.25
            progress.update(done: done)
        }
        progress.finish()
        #expect(recorder.output.count == 10)
        #expect(recorder.output.first == "calibrating: 100/1000 images (10%), 4.0 images/s, ETA 3:45\n")
        #expect(recorder.output.last == "calibrating: 1000/1000 images in 250.0 s, 4.0 images/s\n")
        #expect(recorder.output.allSatisfy { !$0.contains("\r") && !$0.contains("\u{1B}") && $0.hasSuffix("\n") })
    }

    @Test func terminalRedrawsOneLine() {
        let recorder = Recorder()
        let progress = ProgressLine(total: 8, label: "calibrating", isTerminal: true,
                                           sink: { recorder.output.append($0) }, clock: { recorder.now })
        progress.update(done: 0)
        recorder.now += 3
        progress.update(done: 2)
        recorder.now += 9
        progress.update(done: 8)
        progress.finish()
        #expect(recorder.output == [
            "\rcalibrating [........................] 0/8 images, - images/s, ETA -\u{1B}[K",
            "\rcalibrating [######..................] 2/8 images, 0.7 images/s, ETA 0:09\u{1B}[K",
            "\rcalibrating [########################] 8/8 images, 0.7 images/s, ETA 0:00\u{1B}[K",
            "\rcalibrating: 8/8 images in 12.0 s, 0.7 images/s\u{1B}[K\n",
        ])
    }

    @Test func clockTimes() {
        #expect(ProgressLine.clockTime(0) == "0:00")
        #expect(ProgressLine.clockTime(65.4) == "1:05")
        #expect(ProgressLine.clockTime(3725) == "1:02:05")
    }
}

@Suite struct ProgressLineBytesTests {
    /// A download resumed at 200 MB of 500: the bar and the amount count the whole file, the rate
    /// and the time left only what this run received.
    @Test func aResumedDownloadCountsItsRateFromWhereItResumed() {
        let recorder = Recorder()
        let progress = ProgressLine(total: 500_000_000, label: "downloading", unit: .bytes, startingAt: 200_000_000,
                                    isTerminal: true, sink: { recorder.output.append($0) }, clock: { recorder.now })
        progress.update(done: 200_000_000)
        recorder.now += 10
        progress.update(done: 300_000_000)  // 100 MB in 10 s
        recorder.now += 20
        progress.update(done: 500_000_000)
        progress.finish()
        #expect(recorder.output == [
            "\rdownloading [#########...............] 200.0/500.0 MB, - MB/s, ETA -\u{1B}[K",
            "\rdownloading [##############..........] 300.0/500.0 MB, 10.0 MB/s, ETA 0:20\u{1B}[K",
            "\rdownloading [########################] 500.0/500.0 MB, 10.0 MB/s, ETA 0:00\u{1B}[K",
            "\rdownloading: 500.0/500.0 MB in 30.0 s, 10.0 MB/s\u{1B}[K\n",
        ])
    }

    /// In a log: the tenths already on disk when the download resumed are not reported again.
    @Test func plainLinesStartAfterTheResumedTenths() {
        let recorder = Recorder()
        let progress = ProgressLine(total: 1_000_000, label: "downloading", unit: .bytes, startingAt: 375_000,
                                    isTerminal: false, sink: { recorder.output.append($0) }, clock: { recorder.now })
        for done in stride(from: 500_000, through: 1_000_000, by: 125_000) {
            recorder.now += 0.125  // 1 MB/s (steps exact in binary)
            progress.update(done: done)
        }
        progress.finish()
        #expect(recorder.output == [
            "downloading: 0.5/1.0 MB (50%), 1.0 MB/s, ETA 0:01\n",
            "downloading: 0.6/1.0 MB (62%), 1.0 MB/s, ETA 0:00\n",
            "downloading: 0.8/1.0 MB (75%), 1.0 MB/s, ETA 0:00\n",
            "downloading: 0.9/1.0 MB (87%), 1.0 MB/s, ETA 0:00\n",
            "downloading: 1.0/1.0 MB in 0.6 s, 1.0 MB/s\n",
        ])
    }

    @Test func decimals() {
        #expect(ProgressLine.decimal(0) == "0.0")
        #expect(ProgressLine.decimal(0.66) == "0.7")
        #expect(ProgressLine.decimal(12.34) == "12.3")
        #expect(ProgressLine.decimal(553.4329) == "553.4")
        #expect(ProgressLine.megabytes(553_432_900) == "553.4")
    }
}
