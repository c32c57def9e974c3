/// The one rounding rule of the integer pipeline (Docs/Numerics.md, "Requantization").
///
/// An int32 accumulator `acc` at scale `sIn * sW[o]` becomes an output value at scale `sOut`
/// by multiplying with the real ratio r = sIn * sW[o] / sOut, represented as
/// r ≈ multiplier / 2^shift with multiplier in [0, 2^31) and shift in [32, 62]:
///
///     requantize(acc) = (Int64(acc) * multiplier + 2^(shift-1)) >> shift      (arithmetic shift)
///
/// i.e. round half up (ties go toward +infinity), one rounding only.
/// Bounds: |acc| < 2^31 and multiplier < 2^31, so |acc * multiplier| < 2^62, and adding
/// 2^(shift-1) <= 2^61 keeps the sum inside Int64. The result fits Int32 because r < 1/2.
/// Keeping shift >= 32 lets SIMD kernels take the high 32 bits of the 64-bit sum and finish
/// with a 32-bit arithmetic shift by shift-32: floor(floor(x / 2^32) / 2^(shift-32)) = floor(x / 2^shift).
///
/// Worked example: r = 0.0123 -> shift 37, multiplier = round(0.0123 * 2^37) = 1_690_499_128;
/// acc = 1000 -> (1000 * 1_690_499_128 + 2^36) >> 37 = 12 (12.3 rounded).
public struct Requantization: Sendable, Equatable, Hashable {
    public let multiplier: Int32
    public let shift: Int32

    public static let minimumShift: Int32 = 32
    public static let maximumShift: Int32 = 62

    public init(multiplier: Int32, shift: Int32) {
        precondition(multiplier >= 0 && (Self.minimumShift...Self.maximumShift).contains(shift),
                     "multiplier \(multiplier), shift \(shift) outside the normative range")
        self.multiplier = multiplier
        self.shift = shift
    }

    /// The representation of a real ratio 0 <= r < 1/2 with the most precision:
    /// the largest shift in [32, 62] with round(r * 2^shift) < 2^31.
    /// Returns nil when r is negative, not finite, or >= 1/2 (not representable with shift >= 32).
    public init?(ratio: Double) {
        guard ratio.isFinite, ratio >= 0, (ratio * 4_294_967_296).rounded() < 2_147_483_648 else { return nil }
        var shift = Self.maximumShift
        while shift > Self.minimumShift && (ratio * Double(sign: .plus, exponent: Int(shift), significand: 1)).rounded() >= 2_147_483_648 {
            shift -= 1
        }
        let multiplier = (ratio * Double(sign: .plus, exponent: Int(shift), significand: 1)).rounded()
        self.init(multiplier: Int32(multiplier), shift: shift)
    }

    /// The ratio this pair represents.
    public var ratio: Double { Double(multiplier) / Double(sign: .plus, exponent: Int(shift), significand: 1) }

    /// (acc * multiplier + 2^(shift-1)) >> shift.
    @inline(__always)
    public func apply(_ accumulator: Int32) -> Int32 {
        let product = Int64(accumulator) * Int64(multiplier) + (Int64(1) << (shift - 1))
        return Int32(truncatingIfNeeded: product >> Int64(shift))
    }

    /// requantize, add the output zero point, clamp to [minimum, maximum] (the clamp is the
    /// fused ReLU: minimum = zeroPoint).
    @inline(__always)
    public func output(_ accumulator: Int32, zeroPoint: Int32, minimum: Int32, maximum: Int32) -> Int32 {
        min(max(apply(accumulator) + zeroPoint, minimum), maximum)
    }
}
