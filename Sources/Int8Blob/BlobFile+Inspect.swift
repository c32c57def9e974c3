import QuantCore

extension BlobFile {
    /// How many labels the dump lists before "(N more)".
    static let inspectedLabelCount = 5

    /// A readable dump of the blob for `vgg-quantize inspect` (Docs/BlobFormat.md, "Inspect
    /// dump"): header, input spec, labels, one line per layer, totals. Stable across runs and
    /// machines (no paths, no timings; floats in Swift's shortest round-trip form), so it
    /// serves as a golden file. Reads the whole data section to report its checksum.
    ///
    /// A layer line, with its columns: index, kind, name, input(padded)->outputs, depth,
    /// packed weight bytes and file offset, input and output quantization, ranges of the
    /// per-channel weight scales, multipliers and shifts:
    ///
    ///     0  conv     features.0    3(4)->5   k=36  w 576 B @ 0x000400  in s=0.018657 zp=114  out s=0.05 zp=0  wscale [0.001..0.01]  mult [1073741824..2147483647]  shift [36..40]
    public func inspectText() -> String {
        let input = self.input
        var lines = [
            "VGG int8 blob, format version \(formatVersion)",
            "arch: \(arch)",
            "target: \(target)",
            "calibration: \(calibration)",
            "file: \(fileByteCount) bytes, checksums: header and tables ok, data \(dataChecksumMatches() ? "ok" : "MISMATCH")",
            "input: resize \(input.resize), crop \(input.cropHeight)x\(input.cropWidth), mean \(input.mean), std \(input.std), "
                + Self.quantizationText(input.quantization),
        ]
        var shown = labels.prefix(Self.inspectedLabelCount).map(\.debugDescription)
        if labels.count > Self.inspectedLabelCount {
            shown.append("(\(labels.count - Self.inspectedLabelCount) more)")
        }
        lines.append("labels: \(labels.count): " + shown.joined(separator: ", "))
        lines.append("layers: \(layers.count)")
        lines += Self.table(layers.indices.map(layerCells))
        let weightByteCount = layers.reduce(0) { $0 + $1.packedWeights.count + $1.groupMultipliers.count }
        let parameterByteCount = layers.reduce(0) {
            $0 + 4 * ($1.bias.count + $1.weightScales.count + $1.multipliers.count + $1.shifts.count)
        }
        lines.append("totals: packed weights \(weightByteCount) B, per-channel parameters \(parameterByteCount) B "
            + "(bias, weight scales, multipliers, shifts)")
        return lines.joined(separator: "\n") + "\n"
    }

    private func layerCells(_ index: Int) -> [String] {
        let layer = layers[index]
        var cells = [String(index), layer.kind.label, layer.name]
        switch layer.kind {
        case .maxPool:
            cells.append("/2")
            return cells
        case .adaptiveAveragePool:
            cells.append("->\(layer.poolHeight)x\(layer.poolWidth)")
            return cells
        case .convolution:
            let padded = PackedWeights.roundUp(layer.inputChannels, to: PackedWeights.depthTile)
            cells.append("\(layer.inputChannels)(\(padded))->\(layer.outputs)")
        case .linear, .logits:
            let padded = PackedWeights.roundUp(layer.depth, to: PackedWeights.depthTile)
            cells.append(padded == layer.depth ? "\(layer.depth)->\(layer.outputs)" : "\(layer.depth)(\(padded))->\(layer.outputs)")
        }
        let weightsOffset = UnsafeRawPointer(layer.packedWeights.baseAddress!) - bytes.baseAddress!
        cells += [
            "k=\(layer.depth)",
            "w \(layer.packedWeights.count + layer.groupMultipliers.count) B @ \(BlobFormat.hex(weightsOffset))",
            "in " + Self.quantizationText(layer.inputQuantization!),
            layer.outputQuantization.map { "out " + Self.quantizationText($0) } ?? "out int32",
            "wscale " + Self.rangeText(layer.weightScales),
        ]
        if layer.kind.requantizes {
            cells += ["mult " + Self.rangeText(layer.multipliers), "shift " + Self.rangeText(layer.shifts)]
        }
        if layer.pairBounded { cells.append("pair-bounded") }
        if let groupSize = layer.groupSize { cells.append("int4 groups of \(groupSize)") }
        return cells
    }

    private static func quantizationText(_ quantization: ActivationQuantization) -> String {
        "s=\(quantization.scale) zp=\(quantization.zeroPoint)"
    }

    private static func rangeText<Value: Comparable>(_ values: UnsafeBufferPointer<Value>) -> String {
        "[\(values.min()!)..\(values.max()!)]"
    }

    /// Rows of cells as lines, each column as wide as its widest cell, two spaces apart; no
    /// trailing spaces.
    private static func table(_ rows: [[String]]) -> [String] {
        let columnCount = rows.map(\.count).max() ?? 0
        let widths = (0 ..< columnCount).map { column in
            rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0
        }
        return rows.map { cells in
            let padded = cells.enumerated().map { column, cell in
                column == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }
            return "  " + padded.joined(separator: "  ")
        }
    }
}
