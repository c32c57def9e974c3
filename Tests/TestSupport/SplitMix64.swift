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

/// A random seed for a test: the environment variable `variable` when set, else fresh; printed
/// (as `variable=seed`) so a failure can be reproduced.
public func testSeed(_ test: String, variable: String = "VGG_TEST_SEED") -> UInt64 {
    let seed = ProcessInfo.processInfo.environment[variable].flatMap { UInt64($0) }
        ?? UInt64.random(in: 0 ... UInt64.max)
    print("\(test): \(variable)=\(seed)")
    return seed
}
