import Foundation

extension EvaluationReport {
    /// One line saying what was compared, e.g. `vgg11_bn: digits.vq8 (calibration mse, 64
    /// images) against the fp32 weights, 360 images labelled by labels.csv, kernel avx2, 1 thread`.
    public var headline: String {
        "\(arch): \(blob) (calibration \(calibration)) against the fp32 weights, \(images) images "
            + (labels.map { "labelled by \($0)" } ?? "without labels") + ", kernel \(kernel), \(threads) thread\(threads == 1 ? "" : "s")"
    }

    /// The summary as rows of cells: a header row, then `[what, fp32, int8]` or `[what, value]`.
    /// The text summary and the HTML page's table both show these.
    public var summaryRows: [[String]] {
        func percent(_ value: Double?) -> String { value.map { String(format: "%.2f%%", $0) } ?? "-" }
        var rows = [["", "fp32", "int8"]]
        if labels != nil {
            rows.append(["top-1 accuracy", percent(fp32Top1), percent(int8Top1)])
            rows.append(["top-5 accuracy", percent(fp32Top5), percent(int8Top5)])
        }
        rows.append(["ms per image", String(format: "%.2f", fp32MsPerImage), String(format: "%.2f", int8MsPerImage)])
        func rate(_ ms: Double) -> String { ms > 0 ? String(format: "%.1f", 1000 / ms) : "-" }
        rows.append(["images/s", rate(fp32MsPerImage), rate(int8MsPerImage)])
        rows.append(["file size", checkpointBytes > 0 ? Self.megabytes(checkpointBytes) : "-", Self.megabytes(blobBytes)])
        rows.append(["top-1 agreement", percent(top1Agreement)])
        rows.append(["top-5 agreement", percent(top5Agreement)])
        rows.append(["logits SQNR", Self.decibels(logitsSQNRDecibels)])
        rows.append(["logits cosine", String(format: "%.5f", logitsCosine)])
        return rows
    }

    /// The layer whose output is furthest from fp32 (lowest SQNR), e.g. `lowest layer SQNR
    /// 30.9 dB (features.18)`; nil without layers.
    public var lowestLayerLine: String? {
        layers.filter { !$0.sqnrDecibels.isNaN }.min { $0.sqnrDecibels < $1.sqnrDecibels }.map {
            "lowest layer SQNR \(Self.decibels($0.sqnrDecibels)) (\($0.name))"
        }
    }

    /// The headline, the summary table and the lowest layer SQNR, for stdout.
    public var summaryText: String {
        let rows = summaryRows
        let first = rows.map(\.[0].count).max()!
        func right(_ cell: String) -> String { String(repeating: " ", count: max(0, 9 - cell.count)) + cell }
        let lines = rows.map { row in
            let label = row[0].padding(toLength: first, withPad: " ", startingAt: 0)
            return row.count == 3 ? "\(label)  \(right(row[1]))  \(right(row[2]))" : "\(label)  \(right(row[1]))"
        }
        return ([headline] + lines + [lowestLayerLine, sensitivityText].compactMap { $0 }).joined(separator: "\n")
    }

    /// `--sensitivity`'s table, worst first, e.g.
    ///
    ///     layer sensitivity, worst first (alone: only this layer in int8; all but: every layer in int8 but this one)
    ///     layer        kind         alone SQNR  top-1   all-but SQNR  top-1
    ///     features.0   convolution     31.2 dB  99.0%        35.0 dB  100.0%
    ///
    /// nil without it.
    public var sensitivityText: String? {
        guard let sensitivity, !sensitivity.isEmpty else { return nil }
        let width = max(5, sensitivity.map(\.name.count).max()!)
        func cell(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        let header = "layer".padding(toLength: width, withPad: " ", startingAt: 0) + "  kind        "
            + cell("alone SQNR", 11) + cell("top-1", 8) + cell("all-but SQNR", 14) + cell("top-1", 8)
        let rows = sensitivity.map { layer in
            layer.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                + layer.kind.padding(toLength: 12, withPad: " ", startingAt: 0)
                + cell(Self.decibels(layer.aloneSQNRDecibels), 11) + cell(String(format: "%.1f%%", layer.aloneTop1Agreement), 8)
                + cell(Self.decibels(layer.allButSQNRDecibels), 14) + cell(String(format: "%.1f%%", layer.allButTop1Agreement), 8)
        }
        return (["layer sensitivity, worst first (alone: only this layer in int8; all but: every layer in int8 but this one)", header]
                + rows).joined(separator: "\n")
    }

    static func decibels(_ value: Double) -> String { String(format: "%.1f dB", value) }
    static func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1_000_000) }
}
