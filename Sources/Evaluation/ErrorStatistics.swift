import Foundation

/// Running sums over pairs (reference r, approximation a), in Double, for the two fidelity
/// numbers of a tensor: SQNR and cosine similarity. Sums only, so the result does not depend on
/// how the values were split into images or batches (up to Double rounding).
///
/// Worked example: r = [1, 2], a = [1, 1.5]: Σr² = 5, Σ(r - a)² = 0.25, so SQNR =
/// 10 log10(5 / 0.25) = 13.01 dB; Σra = 4, Σa² = 3.25, cosine = 4 / sqrt(5 * 3.25) = 0.99228.
public struct ErrorStatistics: Sendable, Equatable {
    /// Pairs added.
    public private(set) var count = 0
    /// Σ r².
    public private(set) var referenceEnergy = 0.0
    /// Σ a².
    public private(set) var approximationEnergy = 0.0
    /// Σ r a.
    public private(set) var innerProduct = 0.0
    /// Σ (r - a)².
    public private(set) var errorEnergy = 0.0

    public init() {}

    public mutating func add(reference r: Float, approximation a: Float) {
        let (r, a) = (Double(r), Double(a))
        count += 1
        referenceEnergy += r * r
        approximationEnergy += a * a
        innerProduct += r * a
        errorEnergy += (r - a) * (r - a)
    }

    /// Adds the pairs (reference[i], approximation[i]).
    public mutating func add(reference: [Float], approximation: [Float]) {
        precondition(reference.count == approximation.count, "\(reference.count) reference values, \(approximation.count) to compare")
        for (r, a) in zip(reference, approximation) { add(reference: r, approximation: a) }
    }

    /// Signal to quantization noise ratio, dB: 10 log10(Σr² / Σ(r - a)²). +infinity when a
    /// equals r everywhere (and r is not all zero), NaN when both sums are 0.
    public var sqnrDecibels: Double { 10 * log10(referenceEnergy / errorEnergy) }

    /// Σra / sqrt(Σr² Σa²), in [-1, 1]; NaN when either side is all zeros.
    public var cosine: Double { innerProduct / (referenceEnergy * approximationEnergy).squareRoot() }
}
