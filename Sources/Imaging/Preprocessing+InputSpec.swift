import QuantCore

extension Preprocessing {
    /// The transform an int8 model's input spec records (`QuantizedModel.input`,
    /// `BlobFile.input`): its resize, crop, mean and std; its quantization is the runtime's
    /// business (`Boundary.quantizeInput`). This is how vgg-run, the evaluation and the tests
    /// turn a blob back into the preprocessing it was compiled with.
    ///
    /// - Precondition: the spec's values keep the rules of `init(resize:cropHeight:cropWidth:mean:std:)`.
    ///   A spec read by `BlobFile` always does (the reader checks the same rules), and so does
    ///   one the quantizer made from a `Preprocessing`.
    public init(_ input: InputSpec) {
        self.init(resize: input.resize, cropHeight: input.cropHeight, cropWidth: input.cropWidth,
                  mean: input.mean, std: input.std)
    }
}
