import Foundation
import Testing
import TestSupport
@testable import QuantCore

/// The independent oracle: floor((acc * multiplier + 2^(shift-1)) / 2^shift) in 128-bit.
private func oracle(_ acc: Int32, _ r: Requantization) -> Int32 {
    let numerator = Int128(acc) * Int128(r.multiplier) + (Int128(1) << Int128(r.shift - 1))
    // Int128's >> is arithmetic (floor division by a power of two).
    return Int32(numerator >> Int128(r.shift))
}

private let boundaryAccumulators: [Int32] = [
    Int32.min, Int32.min + 1, -1_000_000_007, -65_536, -257, -256, -255, -129, -128, -127, -2, -1,
    0, 1, 2, 127, 128, 255, 256, 257, 65_535, 812_559_360, 1_000_000_007, Int32.max - 1, Int32.max,
]

@Test func applyEqualsTheOracleAtBoundaryAccumulatorsForEveryShift() {
    let multipliers: [Int32] = [0, 1, 2, 1 << 30, (1 << 30) + 1, 1_690_499_128, Int32.max - 1, Int32.max]
    for shift in Requantization.minimumShift...Requantization.maximumShift {
        for multiplier in multipliers {
            let r = Requantization(multiplier: multiplier, shift: shift)
            for acc in boundaryAccumulators {
                #expect(r.apply(acc) == oracle(acc, r), "acc \(acc) multiplier \(multiplier) shift \(shift)")
            }
        }
    }
}

/// 200,000 random accumulators, multipliers and shifts; the same draws every run unless
/// `VGG_TEST_SEED` is set (it replays or varies them).
@Test func applyEqualsTheOracleOnSeededRandomInputs() {
    var generator = SplitMix64(seed: testSeed("applyEqualsTheOracleOnSeededRandomInputs", fallback: 20261127))
    for _ in 0..<200_000 {
        let acc = Int32(truncatingIfNeeded: generator.next())
        let multiplier = Int32(truncatingIfNeeded: generator.next() >> 33)  // [0, 2^31)
        let shift = Int32(generator.next() % 31) + 32
        let r = Requantization(multiplier: multiplier, shift: shift)
        #expect(r.apply(acc) == oracle(acc, r))
    }
}

@Test func tiesRoundTowardPositiveInfinity() {
    // ratio 1/4 exactly: shift 33, multiplier 2^31 would overflow, so shift 32 with 2^30.
    let quarter = Requantization(ratio: 0.25)!
    #expect(quarter.ratio == 0.25)
    #expect(quarter.apply(2) == 1)     //  0.5  -> 1
    #expect(quarter.apply(-2) == 0)    // -0.5  -> 0
    #expect(quarter.apply(6) == 2)     //  1.5  -> 2
    #expect(quarter.apply(-6) == -1)   // -1.5  -> -1
    #expect(quarter.apply(-7) == -2)   // -1.75 -> -2
}

@Test func ratioRepresentationIsTheMostPreciseOne() {
    let seed: UInt64 = 7
    var generator = SplitMix64(seed: seed)
    for _ in 0..<10_000 {
        // Ratios across the range VGG layers produce (1e-7 ... 0.5).
        let ratio = pow(10, -7 + 6.69 * Double(generator.next() % 1_000_000) / 1_000_000)
        guard let r = Requantization(ratio: ratio) else { continue }
        #expect(r.multiplier < Int32.max || r.shift == Requantization.minimumShift)
        // Either the multiplier uses 31 bits, or the shift is already at its maximum.
        #expect(r.multiplier >= 1 << 30 || r.shift == Requantization.maximumShift, "ratio \(ratio): \(r)")
        #expect(abs(r.ratio - ratio) <= ratio * 1e-9 + 1 / Double(sign: .plus, exponent: Int(r.shift), significand: 1))
    }
    #expect(Requantization(ratio: 0.5) == nil)
    #expect(Requantization(ratio: -0.1) == nil)
    #expect(Requantization(ratio: .nan) == nil)
    #expect(Requantization(ratio: 0)?.multiplier == 0)
}

@Test func workedExampleFromTheDocComment() {
    let r = Requantization(ratio: 0.0123)!
    #expect(r.shift == 37 && r.multiplier == 1_690_499_128)
    #expect(r.apply(1000) == 12)
}

@Test func outputAddsZeroPointAndClamps() {
    let r = Requantization(ratio: 0.01)!
    #expect(r.output(-5000, zeroPoint: 0, minimum: 0, maximum: 255) == 0)
    #expect(r.output(30_000, zeroPoint: 0, minimum: 0, maximum: 255) == 255)
    #expect(r.output(1000, zeroPoint: 3, minimum: 0, maximum: 255) == 13)
}
