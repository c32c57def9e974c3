import QuantCore

/// GPTQ for a layer with few input vectors: a linear layer sees one per calibration image, so
/// fc6's H = Σ x xᵀ (25,088²) has rank at most the image count. Dampened it is
/// H = X Xᵀ + D, X the [depth][n] inputs, D diagonal (the dampening, or 1 for an input that
/// never fired), and GPTQ's result follows without forming H:
///
/// GPTQ rounds column j to nearest after adding the change that is optimal for the columns not
/// yet rounded, R = {j, j+1, ...}, given the rounding changes δ_i = ŵ_i - w_i of the columns
/// before it. Minimizing δᵀ H δ over δ_R gives δ_R = -H_RR⁻¹ X_R r with r = Σ_{i<j} δ_i x_i
/// (x_i: input i over the n samples), and by Woodbury's identity
///
///     δ_j = -(1 / D_j) x_jᵀ (I + S_j)⁻¹ r,    S_j = Σ_{i>=j} x_i x_iᵀ / D_i   (n x n)
///
/// (I + S_j)⁻¹ comes from (I + S_{j+1})⁻¹ by one Sherman-Morrison step, so a backward pass over
/// the columns gives every v_j = (I + S_j)⁻¹ x_j / D_j, and a forward pass per output row
/// rounds w_j - r · v_j and adds δ_j x_j to r. That is O(depth n² + outputs depth n) time and
/// O(depth n) memory, against O(depth³) and depth² for the factorization of H: for fc6 and 12
/// images, about a second and 3 MB in place of minutes and 2.5 GB. The result is GPTQ's
/// (the same optimum, computed in Double; a weight within rounding error of a tie may round the
/// other way). A 4-bit group takes its multiplier from its columns' changed weights
/// w_i - x_iᵀ (I + S_g)⁻¹ r / D_i, g its first column, as the dense path does.
extension GPTQ {
    /// Whether a layer with `samples` input vectors is rounded by `roundLowRank` (cheaper than
    /// factorizing H: the backward pass is depth n², the sweep outputs depth n).
    static func usesLowRank(depth: Int, samples: Int) -> Bool { samples * 32 <= depth }

    /// One layer: `rows` row-major [outputs][depth], `inputs` its input vectors, row-major
    /// [samples][depth]. nil when an input is not finite.
    static func roundLowRank(rows: [Float], outputs: Int, depth: Int, inputs: [Float], samples n: Int,
                             format: ClassifierWeights) -> RoundedWeights? {
        precondition(inputs.count == n * depth && rows.count == outputs * depth)
        // x[k][s]: input k over the samples, and its energy H_kk.
        var inputColumns = [Double](repeating: 0, count: depth * n)
        var energies = [Double](repeating: 0, count: depth)
        for s in 0 ..< n {
            for k in 0 ..< depth {
                let value = Double(inputs[s * depth + k])
                inputColumns[k * n + s] = value
                energies[k] += value * value
            }
        }
        let (x, energy) = (inputColumns, energies)
        let diagonalSum = energy.reduce(0, +)
        guard diagonalSum.isFinite else { return nil }
        let damp = Double(dampening) * diagonalSum / Double(depth)

        let grid = Grid(format)
        let groupSize = grid.groupSize
        // Backward: v[k] = (I + S_k)⁻¹ x_k / D_k; at each group's first column, (I + S_g)⁻¹.
        var vs = [Double](repeating: 0, count: depth * n)
        var inverses: [Double] = []
        if let groupSize { inverses = [Double](repeating: 0, count: (depth + groupSize - 1) / groupSize * n * n) }
        var inverse = [Double](repeating: 0, count: n * n)
        for i in 0 ..< n { inverse[i * n + i] = 1 }
        var z = [Double](repeating: 0, count: n)
        for k in stride(from: depth - 1, through: 0, by: -1) {
            // An input that never fired (D_k = 1, x_k = 0) changes nothing: v_k = 0.
            if energy[k] > 0 {
                let scale = 1 / damp.squareRoot()
                // z = (I + S_{k+1})⁻¹ u, u = x_k / sqrt(D_k); then the Sherman-Morrison step.
                var uz = 0.0
                for i in 0 ..< n {
                    var t = 0.0
                    for j in 0 ..< n { t += inverse[i * n + j] * x[k * n + j] }
                    z[i] = t * scale
                    uz += x[k * n + i] * scale * z[i]
                }
                let denominator = 1 + uz
                for i in 0 ..< n {
                    vs[k * n + i] = z[i] / denominator * scale
                    let zi = z[i] / denominator
                    for j in 0 ..< n { inverse[i * n + j] -= zi * z[j] }
                }
            }
            if let groupSize, k % groupSize == 0 {
                let base = k / groupSize * n * n
                for i in 0 ..< n * n { inverses[base + i] = inverse[i] }
            }
        }

        let (v, groupInverses) = (vs, inverses)
        let groupCount = groupSize.map { (depth + $0 - 1) / $0 } ?? 0
        let rounded = RowQuantization.parallel(outputs: outputs, depth: depth, groupCount: groupCount) { range, out in
            var r = [Double](repeating: 0, count: n)
            var p = [Double](repeating: 0, count: n)
            var group: [Float] = []
            for o in range {
                let w = rows[o * depth ..< (o + 1) * depth]
                let scale = grid.scale(of: w)
                out.scales[o] = scale
                var step = Double(scale)
                for i in 0 ..< n { r[i] = 0 }
                for k in 0 ..< depth {
                    if let groupSize, k % groupSize == 0 {
                        // p = (I + S_g)⁻¹ r; the group's changed weights w_i - x_i · p / D_i.
                        let base = k / groupSize * n * n
                        for i in 0 ..< n {
                            var t = 0.0
                            for j in 0 ..< n { t += groupInverses[base + i * n + j] * r[j] }
                            p[i] = t
                        }
                        group.removeAll(keepingCapacity: true)
                        for i in k ..< min(k + groupSize, depth) {
                            var t = 0.0
                            if energy[i] > 0 { for j in 0 ..< n { t += x[i * n + j] * p[j] } }
                            group.append(Float(Double(w[w.startIndex + i]) - t / damp))
                        }
                        let m = GroupedWeightQuantization.bestMultiplier(group, scale: scale)
                        out.multipliers[o * groupCount + k / groupSize] = Int8(m)
                        step = Double(scale * Float(m))
                    }
                    let weight = Double(w[w.startIndex + k])
                    var change = 0.0
                    for j in 0 ..< n { change += r[j] * v[k * n + j] }
                    let q = min(max(((weight - change) / step).rounded(), grid.low), grid.high)
                    out.values[o * depth + k] = Int8(q)
                    let delta = q * step - weight
                    if energy[k] > 0 && delta != 0 {
                        for j in 0 ..< n { r[j] += delta * x[k * n + j] }
                    }
                }
            }
        }
        return RoundedWeights(values: rounded.values, scales: rounded.scales,
                              groups: groupSize.map { WeightGroups(size: $0, multipliers: rounded.multipliers) })
    }
}
