/// Counts of one evaluation's classification outcomes: how often the int8 model picks what the
/// fp32 model picks, and, for labelled images, how often each picks the label.
///
/// Definitions (per image, rankings best class first):
/// - top-1 agreement: int8's first class == fp32's first class;
/// - top-5 agreement: fp32's first class is among int8's first five;
/// - top-k accuracy of a model: the label is among its first k classes.
///
/// Example: fp32 ranking [3, 1, ...], int8 ranking [1, 3, ...], label 3: no top-1 agreement,
/// top-5 agreement; fp32 top-1 and top-5 correct; int8 top-1 wrong, top-5 correct.
public struct AgreementCounts: Sendable, Equatable {
    public private(set) var images = 0
    public private(set) var top1Agreements = 0
    public private(set) var top5Agreements = 0
    /// Images that came with a label (the accuracy counts below are over these).
    public private(set) var labelledImages = 0
    public private(set) var fp32Top1Correct = 0
    public private(set) var fp32Top5Correct = 0
    public private(set) var int8Top1Correct = 0
    public private(set) var int8Top5Correct = 0

    public init() {}

    /// - Parameters:
    ///   - fp32Ranking, int8Ranking: class indices, best first; at least the first five (all
    ///     of them when there are fewer classes). Not empty.
    ///   - label: the true class index, nil for an unlabelled image.
    public mutating func add(fp32Ranking: [Int], int8Ranking: [Int], label: Int?) {
        precondition(!fp32Ranking.isEmpty && !int8Ranking.isEmpty)
        images += 1
        if int8Ranking[0] == fp32Ranking[0] { top1Agreements += 1 }
        if int8Ranking.prefix(5).contains(fp32Ranking[0]) { top5Agreements += 1 }
        guard let label else { return }
        labelledImages += 1
        if fp32Ranking[0] == label { fp32Top1Correct += 1 }
        if fp32Ranking.prefix(5).contains(label) { fp32Top5Correct += 1 }
        if int8Ranking[0] == label { int8Top1Correct += 1 }
        if int8Ranking.prefix(5).contains(label) { int8Top5Correct += 1 }
    }

    /// 100 * count / total (0 for no images).
    public static func percent(_ count: Int, of total: Int) -> Double {
        total == 0 ? 0 : 100 * Double(count) / Double(total)
    }
}
