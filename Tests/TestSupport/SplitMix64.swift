import Foundation

/// A small seeded generator (Steele, Lea and Flood's SplitMix64), so test runs reproduce.
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The seed of a random test: `VGG_TEST_SEED` when set (the one seed variable of every test
/// and test script, Scripts/test-*.sh included), else `fallback` when given, else fresh.
/// Printed as `test: VGG_TEST_SEED=seed`, so a failure can be reproduced by setting the variable.
///
/// - Parameters:
///   - test: the name printed with the seed (the test's function name).
///   - fallback: the seed when `VGG_TEST_SEED` is unset, for a test whose checks are tuned to
///     known draws (statistical bounds): it stays deterministic unless asked otherwise. `nil`
///     (the default): a fresh random seed each run.
///
/// Example: `var generator = SplitMix64(seed: testSeed("packRoundTrips"))` prints
/// `packRoundTrips: VGG_TEST_SEED=8181919` and, run again with `VGG_TEST_SEED=8181919`, draws
/// the same values.
public func testSeed(_ test: String, fallback: UInt64? = nil) -> UInt64 {
    let seed = ProcessInfo.processInfo.environment["VGG_TEST_SEED"].flatMap { UInt64($0) }
        ?? fallback ?? UInt64.random(in: 0 ... UInt64.max)
    print("\(test): VGG_TEST_SEED=\(seed)")
    return seed
}

