import ArgumentParser

@main
struct VGGQuantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vgg-quantize",
        abstract: "Turn torchvision VGG checkpoints into int8 blobs, and check them against fp32.",
        subcommands: [Reference.self])
}
