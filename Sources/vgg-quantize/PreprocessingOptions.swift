import ArgumentParser
import Imaging

/// `--resize`, `--crop`, `--mean`, `--std`: torchvision's eval transform, each step configurable.
struct PreprocessingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Resize the shorter side to this many pixels (bilinear, antialiased); 0 skips. Default 256.", valueName: "pixels"))
    var resize: String?

    @Option(help: ArgumentHelp("Center crop: N or HxW. Default 224.", valueName: "size"))
    var crop: String?

    @Option(help: ArgumentHelp("Per-channel mean, r,g,b. Default 0.485,0.456,0.406.", valueName: "r,g,b"))
    var mean: String?

    @Option(help: ArgumentHelp("Per-channel std, r,g,b. Default 0.229,0.224,0.225.", valueName: "r,g,b"))
    var std: String?

    func preprocessing() throws -> Preprocessing {
        try Preprocessing(resize: resize, crop: crop, mean: mean, std: std)
    }
}
