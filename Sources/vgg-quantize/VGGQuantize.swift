import ArgumentParser
import CommandLineSupport

@main
struct VGGQuantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vgg-quantize",
        abstract: "Turn torchvision VGG checkpoints into int8 blobs, and check them against fp32.",
        subcommands: [Compile.self, Reference.self, Inspect.self, Eval.self],
        defaultSubcommand: Compile.self)

    static func main() { mainWithOneLineErrors() }
}
