import Foundation

/// `vgg-quantize eval --html`: one self-contained page (no network, no script, no external
/// style): the summary table, a bar chart of every layer's SQNR, and a histogram of every
/// layer's fp32 values with the int8 range marked. Charts are inline SVG built as strings;
/// every element is closed (XHTML style), so the page also parses as XML.
public enum ReportPage {
    public static func html(_ report: EvaluationReport) -> String {
        let title = "vgg-quantize eval: \(report.arch), \(report.blob)"
        var page = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8"/>
        <title>\(escape(title))</title>
        <style>
        body { font: 14px/1.4 sans-serif; margin: 2em; color: #222; }
        th, td { padding: 2px 12px; text-align: right; }
        th { text-align: left; }
        figure { display: inline-block; margin: 0 1.5em 1.5em 0; }
        figcaption { font-size: 12px; max-width: 320px; }
        svg text { font: 11px sans-serif; fill: #222; }
        </style>
        </head>
        <body>
        <h1>\(escape(title))</h1>
        <p>\(escape(report.headline))</p>

        """
        page += summaryTable(report.summaryRows) + "\n"
        page += report.lowestLayerLine.map { "<p>\(escape($0)).</p>\n" } ?? ""
        page += "<h2>SQNR of each layer's output</h2>\n"
        page += "<p>fp32 against the dequantized int8 output over all images, in network order (higher is better; 6 dB per bit).</p>\n"
        page += sqnrChart(report.layers) + "\n"
        if let sensitivity = report.sensitivity, !sensitivity.isEmpty {
            page += "<h2>Layer sensitivity</h2>\n"
            page += "<p>Logits SQNR against fp32 with <b>only this layer</b> in int8 (dark; the lower, the more this layer's "
                + "quantization costs) and with <b>every layer but this one</b> in int8 (light; how much keeping it in fp32 would "
                + "win back, next to the whole int8 network's \(escape(EvaluationReport.decibels(report.logitsSQNRDecibels)))), worst first. "
                + "Top-1 agreement with fp32 in brackets.</p>\n"
            page += sensitivityChart(sensitivity) + "\n"
        }
        page += "<h2>fp32 activations</h2>\n"
        page += "<p>Values of each layer's fp32 output over the \(report.images) images, 64 bins of the positive values "
            + "(zeros are counted apart). Shaded: the int8 range, ending at the calibrated clip (red line).</p>\n"
        page += report.layers.map(histogram).joined(separator: "\n") + "\n"
        return page + "</body>\n</html>\n"
    }

    /// `&`, `<`, `>`, `"` and `'` as character references: safe in text and in quoted attributes.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    static func summaryTable(_ rows: [[String]]) -> String {
        let lines = rows.map { row in
            let cells = row.dropFirst().map { "<td\(row.count == 2 ? " colspan=\"2\"" : "")>\(escape($0))</td>" }
            return "<tr><th>\(escape(row[0]))</th>\(cells.joined())</tr>"
        }
        return "<table>\n" + lines.joined(separator: "\n") + "\n</table>"
    }

    /// Horizontal bars, one per layer, on a scale up to the next multiple of 10 dB. A layer with
    /// no finite SQNR gets no bar, only its value.
    static func sqnrChart(_ layers: [EvaluationReport.Layer]) -> String {
        let (labelWidth, rowHeight, top) = (120.0, 18.0, 20.0)
        var (svg, x) = decibelAxis(layers.map(\.sqnrDecibels), rows: layers.count, rowHeight: rowHeight, extraWidth: 80)
        for (row, layer) in layers.enumerated() {
            let y = top + Double(row) * rowHeight
            svg += text(x: labelWidth - 6, y: y + 13, anchor: "end", layer.name)
            if layer.sqnrDecibels.isFinite {
                svg += rect(x: labelWidth, y: y + 3, width: x(layer.sqnrDecibels) - labelWidth, height: rowHeight - 6, fill: "#4a7ab5")
            }
            let end = layer.sqnrDecibels.isFinite ? x(layer.sqnrDecibels) : labelWidth
            svg += text(x: end + 4, y: y + 13, anchor: "start", String(format: "%.1f", layer.sqnrDecibels))
        }
        return svg + "</svg>"
    }

    /// The opening `<svg>` of a bar chart, with its dB grid (every 10 dB up to the next multiple
    /// of 10 above the largest finite value), and the x position of a dB value: bars start at
    /// 120 px (the labels' column) and 480 px hold the scale; rows start 20 px down.
    static func decibelAxis(_ values: [Double], rows: Int, rowHeight: Double,
                            extraWidth: Double) -> (svg: String, x: (Double) -> Double) {
        let (labelWidth, barWidth, top) = (120.0, 480.0, 20.0)
        let scaleTop = max(10, ((values.filter(\.isFinite).max() ?? 10) / 10).rounded(.up) * 10)
        let x = { (decibels: Double) in labelWidth + max(0, decibels) / scaleTop * barWidth }
        let height = top + Double(rows) * rowHeight + 4
        var svg = #"<svg width="\#(labelWidth + barWidth + extraWidth)" height="\#(height)">"#
        for decibels in stride(from: 0.0, through: scaleTop, by: 10) {
            svg += line(x1: x(decibels), y1: top - 4, x2: x(decibels), y2: height, stroke: "#ddd")
            svg += text(x: x(decibels), y: top - 8, anchor: "middle", String(format: "%.0f dB", decibels))
        }
        return (svg, x)
    }

    /// Two bars per layer, worst first: alone in int8 (dark), all but it in int8 (light).
    static func sensitivityChart(_ layers: [SensitivityAnalysis.Layer]) -> String {
        let (labelWidth, rowHeight, top) = (120.0, 30.0, 20.0)
        var (svg, x) = decibelAxis(layers.flatMap { [$0.aloneSQNRDecibels, $0.allButSQNRDecibels] }, rows: layers.count,
                                   rowHeight: rowHeight, extraWidth: 130)
        for (row, layer) in layers.enumerated() {
            let y = top + Double(row) * rowHeight
            svg += text(x: labelWidth - 6, y: y + 18, anchor: "end", layer.name)
            for (bar, (decibels, agreement, fill)) in [(layer.aloneSQNRDecibels, layer.aloneTop1Agreement, "#2c5a8c"),
                                                       (layer.allButSQNRDecibels, layer.allButTop1Agreement, "#9dbbe0")].enumerated() {
                let barY = y + 3 + Double(bar) * 12
                if decibels.isFinite {
                    svg += rect(x: labelWidth, y: barY, width: x(decibels) - labelWidth, height: 11, fill: fill)
                }
                svg += text(x: (decibels.isFinite ? x(decibels) : labelWidth) + 4, y: barY + 9, anchor: "start",
                            String(format: "%.1f (%.1f%%)", decibels, agreement))
            }
        }
        return svg + "</svg>"
    }

    /// One layer's `ActivationHistogram` as bars (linear counts), the int8 range shaded behind
    /// them and its upper end (the clip) as a red line; the axis runs from 0 to the histogram's top.
    static func histogram(_ layer: EvaluationReport.Layer) -> String {
        let (width, plotHeight) = (320.0, 90.0)
        let histogram = layer.histogram
        let x = { (value: Double) in min(max(value, 0), histogram.upper) / histogram.upper * width }
        let tallest = Double(histogram.counts.max() ?? 0)
        let binWidth = width / Double(histogram.counts.count)
        var svg = #"<svg width="\#(width)" height="\#(plotHeight + 16)">"#
        svg += rect(x: x(layer.int8Range[0]), y: 0, width: x(layer.int8Range[1]) - x(layer.int8Range[0]), height: plotHeight, fill: "#e3ecf7")
        for (bin, count) in histogram.counts.enumerated() where count > 0 {
            let height = Double(count) / tallest * (plotHeight - 2)
            svg += rect(x: Double(bin) * binWidth, y: plotHeight - height, width: binWidth, height: height, fill: "#555")
        }
        svg += line(x1: x(layer.int8Range[1]), y1: 0, x2: x(layer.int8Range[1]), y2: plotHeight, stroke: "#c00")
        svg += line(x1: 0, y1: plotHeight, x2: width, y2: plotHeight, stroke: "#888")
        svg += text(x: 0, y: plotHeight + 13, anchor: "start", "0")
        svg += text(x: width, y: plotHeight + 13, anchor: "end", String(format: "%.3g", histogram.upper))
        svg += "</svg>"
        let values = histogram.zeros + histogram.counts.reduce(0, +)
        let zeros = values == 0 ? 0 : 100 * Double(histogram.zeros) / Double(values)
        let caption = "\(layer.name): SQNR \(String(format: "%.1f", layer.sqnrDecibels)) dB, fp32 max "
            + String(format: "%.3g, int8 range [%.3g, %.3g], zeros %.1f%%", layer.fp32Max, layer.int8Range[0], layer.int8Range[1], zeros)
        return "<figure>\(svg)<figcaption>\(escape(caption))</figcaption></figure>"
    }

    static func rect(x: Double, y: Double, width: Double, height: Double, fill: String) -> String {
        String(format: #"<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%@"/>"#, x, y, width, height, fill)
    }

    static func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String) -> String {
        String(format: #"<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%@"/>"#, x1, y1, x2, y2, stroke)
    }

    static func text(x: Double, y: Double, anchor: String, _ content: String) -> String {
        String(format: #"<text x="%.1f" y="%.1f" text-anchor="%@">"#, x, y, anchor) + escape(content) + "</text>"
    }
}
