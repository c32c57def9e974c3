/// The transform from a decoded image to the network's input, equal to torchvision's
/// `Compose([Resize(resize), CenterCrop((cropHeight, cropWidth)), ToTensor(), Normalize(mean, std)])`
/// applied to a PIL RGB image.
///
/// Example: `Preprocessing.imagenet` turns a 500x375 photo into Resize(256) -> 341x256,
/// CenterCrop(224) -> 224x224 starting at (16, 58), then 3 * 224 * 224 floats
/// `(value / 255 - mean[c]) / std[c]`, CHW.
///
/// The fields are constants checked by every initialiser (crop sizes positive, three finite
/// means, three finite positive stds), so a value of this type is always usable.
public struct Preprocessing: Sendable, Equatable, Codable {
    /// Target length of the shorter side in pixels, torchvision `Resize(int)`: the longer side
    /// becomes `Int(resize * long / short)` (truncated). 0 means no resize.
    public let resize: Int
    /// Crop size in pixels (torchvision `CenterCrop((height, width))`); zero-padded if larger
    /// than the resized image.
    public let cropHeight: Int
    public let cropWidth: Int
    /// Per-channel (R, G, B) mean and standard deviation, in units of value / 255.
    public let mean: [Float]
    public let std: [Float]

    /// torchvision's ImageNet evaluation transform for VGG: Resize(256), CenterCrop(224),
    /// mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225).
    public static let imagenet = Preprocessing(resize: 256, cropHeight: 224, cropWidth: 224,
                                               mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])

    /// - Precondition: `resize >= 0`, crop sizes > 0, three means, three finite positive stds
    ///   (the rules of `Preprocessing.problem(...)`).
    public init(resize: Int, cropHeight: Int, cropWidth: Int, mean: [Float], std: [Float]) {
        if let problem = Self.problem(resize: resize, cropHeight: cropHeight, cropWidth: cropWidth, mean: mean, std: std) {
            preconditionFailure(problem)
        }
        self.resize = resize
        self.cropHeight = cropHeight
        self.cropWidth = cropWidth
        self.mean = mean
        self.std = std
    }

    /// Decodes and checks the same rules as `init(resize:cropHeight:cropWidth:mean:std:)`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let resize = try container.decode(Int.self, forKey: .resize)
        let cropHeight = try container.decode(Int.self, forKey: .cropHeight)
        let cropWidth = try container.decode(Int.self, forKey: .cropWidth)
        let mean = try container.decode([Float].self, forKey: .mean)
        let std = try container.decode([Float].self, forKey: .std)
        if let problem = Self.problem(resize: resize, cropHeight: cropHeight, cropWidth: cropWidth, mean: mean, std: std) {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: problem))
        }
        self.init(resize: resize, cropHeight: cropHeight, cropWidth: cropWidth, mean: mean, std: std)
    }

    /// The size torchvision's `Resize(resize)` gives a `width` x `height` image.
    /// Example: resize 256, 500x375 -> short side 375 -> 256, long side Int(256 * 500 / 375) = 341.
    public func resizedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        guard resize > 0 else { return (width, height) }
        let short = min(width, height), long = max(width, height)
        // Python's int(resize * long / short): a true division in Double, then truncation.
        let newLong = Int(Double(resize * long) / Double(short))
        return width <= height ? (resize, newLong) : (newLong, resize)
    }

    /// Resize then centre crop: the uint8 image that torchvision's `ToTensor` would see.
    public func resizedAndCropped(_ image: RGBImage) -> RGBImage {
        let size = resizedSize(width: image.width, height: image.height)
        return image.resized(width: size.width, height: size.height)
            .centerCropped(height: cropHeight, width: cropWidth)
    }

    /// `ToTensor` then `Normalize`: `(Float(value) / 255 - mean[c]) / std[c]` in Float, the same
    /// operations torch performs, laid out CHW: element `(c, y, x)` is at
    /// `(c * image.height + y) * image.width + x`.
    public func tensor(_ image: RGBImage) -> [Float] {
        let planeSize = image.width * image.height
        var values = [Float](repeating: 0, count: 3 * planeSize)
        for channel in 0..<3 {
            let mean = self.mean[channel], std = self.std[channel]
            for i in 0..<planeSize {
                values[channel * planeSize + i] = (Float(image.pixels[i * 3 + channel]) / 255 - mean) / std
            }
        }
        return values
    }

    /// The network input for `image`: `tensor(resizedAndCropped(image))`, shape
    /// (3, cropHeight, cropWidth), CHW.
    public func callAsFunction(_ image: RGBImage) -> [Float] {
        tensor(resizedAndCropped(image))
    }

    /// Why these values do not make a transform, or nil if they do.
    static func problem(resize: Int, cropHeight: Int, cropWidth: Int, mean: [Float], std: [Float]) -> String? {
        resizeProblem(resize) ?? cropProblem(height: cropHeight, width: cropWidth)
            ?? meanProblem(mean) ?? stdProblem(std)
    }

    static func resizeProblem(_ resize: Int) -> String? {
        resize >= 0 ? nil : "resize must be 0 (no resize) or a positive number of pixels, got \(resize)"
    }

    static func cropProblem(height: Int, width: Int) -> String? {
        height > 0 && width > 0 ? nil : "crop sizes must be positive, got \(height)x\(width)"
    }

    static func meanProblem(_ mean: [Float]) -> String? {
        if mean.count != 3 { return "mean needs 3 values (R, G, B), got \(mean.count)" }
        return mean.allSatisfy(\.isFinite) ? nil : "mean values must be finite, got \(mean)"
    }

    static func stdProblem(_ std: [Float]) -> String? {
        if std.count != 3 { return "std needs 3 values (R, G, B), got \(std.count)" }
        return std.allSatisfy({ $0.isFinite && $0 > 0 }) ? nil : "std values must be positive and finite, got \(std)"
    }
}
