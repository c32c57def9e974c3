// swift-tools-version:6.0
// The VGG int8 deployment toolchain.
//
// Two worlds, kept apart by module boundaries (see Docs/Architecture.md):
//   offline (float allowed): TorchCheckpoint, VGGModel, FloatEngine, Quantizer, Evaluation,
//     vgg-quantize
//   on-device (integer only, no BLAS): CInt8Kernels, Int8Runtime, VGGInt8Runtime (the library), CVGGInt8API and
//     VGGInt8C (the C library), vgg-run; imports nothing offline.
// Shared: Imaging (decoding and the preprocessing that turns pixels into the network's input,
// floats at the boundary only), QuantCore and Int8Blob (the int8 model and its file), NPY,
// AtomicFile, Classification, CommandLineSupport.
import PackageDescription

let package = Package(
    name: "VGGInt8",
    products: [
        .executable(name: "vgg-quantize", targets: ["vgg-quantize"]),
        .executable(name: "vgg-run", targets: ["vgg-run"]),
        // The runtime as a Swift library: open a blob, make contexts, classify (Docs/Embedding.md).
        .library(name: "VGGInt8Runtime", targets: ["VGGInt8Runtime"]),
        // The runtime as a C library (include/vgg_int8.h): `make lib` links these with the Swift
        // runtime inside and only the vgg_* symbols exported (Scripts/build-lib.sh).
        .library(name: "vgg_int8", type: .dynamic, targets: ["VGGInt8C"]),
        .library(name: "vgg_int8_static", type: .static, targets: ["VGGInt8C"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries and C shims.
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        // (zlib and libm: libpng's own dependencies, named, after it, for the fully static downloads,
        // Docs/Deploying.md; Foundation used to bring libm)
        // libcurl for HubDownload: one GET into a file descriptor (curl_easy_setopt is variadic).
        .target(name: "CHTTP", linkerSettings: [.linkedLibrary("curl")]),
        .target(name: "CImageCodecs",
                linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg"), .linkedLibrary("z"), .linkedLibrary("m")]),

        // Shared by both command lines: one-line errors, the --threads check (QuantCore's ThreadCount).
        .target(name: "CommandLineSupport", dependencies: ["QuantCore", "Classification", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                exclude: ["README.md"]),
        // Shared: top-k results and their text/JSON form, for both command lines.
        .target(name: "Classification", exclude: ["README.md"]),
        // Shared: .npy arrays (fixtures, --logits-out).
        .target(name: "NPY", exclude: ["README.md"]),
        // Shared: temporary file + rename, so no output is ever half-written.
        .target(name: "AtomicFile", exclude: ["README.md"]),
        // Shared: decoding and torchvision-equivalent preprocessing (also from an int8 model's InputSpec, QuantCore).
        .target(name: "Imaging", dependencies: ["CImageCodecs", "QuantCore"], exclude: ["README.md"]),

        // Shared by both worlds, integer only: requantization rule, packed layout, the int8 model, thread counts.
        .target(name: "QuantCore", exclude: ["README.md"]),
        // Shared: the blob format (versions 1 and 2): the writer, and the mmap reader the runtime uses (Docs/BlobFormat.md).
        .target(name: "Int8Blob", dependencies: ["QuantCore", "AtomicFile"], exclude: ["README.md"]),

        // On-device world: the int8 executor and its reference kernels (the spec).
        .target(name: "CInt8Kernels", exclude: ["README.md"]),
        .target(name: "Int8Runtime", dependencies: ["QuantCore", "Int8Blob", "CInt8Kernels"], exclude: ["README.md"]),
        // On-device world: the library an application embeds (model, contexts, images and frames in,
        // classes out); vgg-run is built on it.
        .target(name: "VGGInt8Runtime", dependencies: ["Int8Runtime", "Int8Blob", "Imaging", "QuantCore"], exclude: ["README.md"]),
        // On-device world: the C API. CVGGInt8API: the public header (include/vgg_int8.h, linked in)
        // and the C half (thread-local messages); VGGInt8C: the functions, exported from Swift.
        .target(name: "CVGGInt8API"),
        .target(name: "VGGInt8C", dependencies: ["CVGGInt8API", "VGGInt8Runtime"], exclude: ["README.md"]),
        .executableTarget(name: "vgg-run", dependencies: [
            "VGGInt8Runtime", "Int8Runtime", "NPY", "AtomicFile", "Classification", "CommandLineSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], exclude: ["README.md"]),

        // Offline world. StrictJSON: untrusted JSON's strings checked before Foundation parses them.
        .target(name: "StrictJSON", exclude: ["README.md"]),
        .target(name: "TorchCheckpoint", dependencies: ["CCrypto", "StrictJSON"], exclude: ["README.md"]),
        .target(name: "VGGModel", dependencies: ["TorchCheckpoint"], exclude: ["README.md"]),
        // Offline world: verified downloads of checkpoints into the torch hub cache (libcurl).
        .target(name: "HubDownload", dependencies: ["CHTTP", "TorchCheckpoint"], exclude: ["README.md"]),
        .target(name: "FloatEngine", dependencies: ["VGGModel", "COpenBLAS"], exclude: ["README.md"]),
        // The compiler: calibration, weight quantization, and CompileJob, the whole pipeline up to the written blob.
        .target(name: "Quantizer", dependencies: ["VGGModel", "FloatEngine", "QuantCore", "Int8Blob", "AtomicFile", "Imaging", "StrictJSON"],
                exclude: ["README.md"]),
        // Offline world: int8 against fp32 reports (vgg-quantize eval).
        .target(name: "Evaluation", dependencies: [
            "VGGModel", "FloatEngine", "Quantizer", "Int8Blob", "Int8Runtime", "Imaging", "QuantCore", "Classification",
        ], exclude: ["README.md"]),
        .executableTarget(name: "vgg-quantize", dependencies: [
            "Quantizer", "Int8Blob", "Evaluation",
            "AtomicFile", "Imaging", "NPY", "VGGModel", "FloatEngine", "Classification", "CommandLineSupport", "TorchCheckpoint",
            "HubDownload",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], exclude: ["README.md"]),

        // Benchmarks (`swift run -c release blob-bench`; never part of swift test): the blob format's timings.
        .executableTarget(name: "blob-bench", dependencies: ["Int8Blob", "QuantCore"], path: "Benchmarks/blob",
                          exclude: ["README.md"]),

        // Tests. TestSupport: seeded generator, random quantized layers and networks, expectThrows, shared by the bundles.
        .target(name: "TestSupport", dependencies: ["QuantCore"], path: "Tests/TestSupport"),
        .testTarget(name: "QuantCoreTests", dependencies: ["TestSupport", "QuantCore"]),
        .testTarget(name: "Int8RuntimeTests", dependencies: ["TestSupport", "Int8Runtime", "Int8Blob", "QuantCore", "CInt8Kernels"]),
        .testTarget(name: "Int8BlobTests", dependencies: ["TestSupport", "Int8Blob", "QuantCore"]),
        .testTarget(name: "QuantizerTests", dependencies: [
            "TestSupport", "Quantizer", "QuantCore", "Int8Blob", "Int8Runtime", "VGGModel", "FloatEngine", "Imaging", "AtomicFile", "NPY",
        ]),
        .testTarget(name: "ImagingTests", dependencies: ["TestSupport", "Imaging", "QuantCore", "NPY"]),
        .testTarget(name: "TorchCheckpointTests", dependencies: ["TestSupport", "TorchCheckpoint"]),
        .testTarget(name: "StrictJSONTests", dependencies: ["StrictJSON"]),
        .testTarget(name: "HubDownloadTests", dependencies: ["HubDownload", "TorchCheckpoint", "TestSupport"]),
        .testTarget(name: "CommandLineSupportTests", dependencies: ["CommandLineSupport"]),
        .testTarget(name: "ClassificationTests", dependencies: ["Classification", "TestSupport"]),
        .testTarget(name: "AtomicFileTests", dependencies: ["AtomicFile", "TestSupport"]),
        .testTarget(name: "VGGModelTests", dependencies: ["TestSupport", "VGGModel"]),
        .testTarget(name: "FloatEngineTests", dependencies: ["FloatEngine", "VGGModel", "NPY", "TorchCheckpoint"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Quantizer", "QuantCore", "VGGModel", "Int8Blob", "Int8Runtime", "Imaging"]),
        // The two executables are built for the tests to run; no file imports them.
        .testTarget(name: "EndToEndTests", dependencies: ["vgg-quantize", "vgg-run", "Int8Blob", "Int8Runtime", "QuantCore", "Imaging", "NPY", "VGGInt8Runtime",
                                                         "TestSupport"]),
    ]
)
