#if canImport(Glibc)
import Glibc
#endif

extension Preprocessing {
    /// Parses the command-line options; an omitted option (nil) keeps `Preprocessing.imagenet`'s value.
    ///
    /// - Parameters:
    ///   - resize: `--resize N`, the shorter side in pixels; `0` turns resizing off.
    ///   - crop: `--crop N` (square) or `--crop HxW`, e.g. `224x200` is 224 high, 200 wide.
    ///   - mean: `--mean r,g,b`, e.g. `0.485,0.456,0.406`.
    ///   - std: `--std r,g,b`, all positive.
    /// - Throws: `PreprocessingError` naming the option, its text and the problem.
    public init(resize: String?, crop: String?, mean: String?, std: String?) throws(PreprocessingError) {
        let defaults = Preprocessing.imagenet
        var size = defaults.resize
        var cropHeight = defaults.cropHeight, cropWidth = defaults.cropWidth
        var means = defaults.mean, stds = defaults.std
        if let resize {
            guard let value = Int(resize) else { throw PreprocessingError("--resize \(resize): not an integer") }
            try Self.check(Self.resizeProblem(value), option: "--resize", text: resize)
            size = value
        }
        if let crop {
            let parts = crop.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
            guard parts.count == 1 || parts.count == 2, let height = parts[0], let width = parts.last ?? nil else {
                throw PreprocessingError("--crop \(crop): expected N or HxW, e.g. 224 or 224x200")
            }
            try Self.check(Self.cropProblem(height: height, width: width), option: "--crop", text: crop)
            cropHeight = height
            cropWidth = width
        }
        if let mean {
            means = try Self.floats(mean, option: "--mean")
            try Self.check(Self.meanProblem(means), option: "--mean", text: mean)
        }
        if let std {
            stds = try Self.floats(std, option: "--std")
            try Self.check(Self.stdProblem(stds), option: "--std", text: std)
        }
        self.init(resize: size, cropHeight: cropHeight, cropWidth: cropWidth, mean: means, std: stds)
    }

    private static func check(_ problem: String?, option: String, text: String) throws(PreprocessingError) {
        if let problem { throw PreprocessingError("\(option) \(text): \(problem)") }
    }

    /// Comma-separated numbers, spaces allowed around each.
    private static func floats(_ text: String, option: String) throws(PreprocessingError) -> [Float] {
        var values: [Float] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            // (blanks around a number: spaces and tabs, as CharacterSet.whitespaces trimmed)
            let blank = { (c: Character) in c.isWhitespace && !c.isNewline }
            let trimmed = part.drop(while: blank).reversed().drop(while: blank).reversed()
            guard let value = Float(String(trimmed)) else {
                throw PreprocessingError("\(option) \(text): '\(part)' is not a number")
            }
            values.append(value)
        }
        return values
    }
}
