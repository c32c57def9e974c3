import Imaging
import QuantCore
import Testing

/// A blob's input spec gives back the transform it was compiled with.
@Test func preprocessingFromAnInputSpecKeepsItsTransform() {
    let spec = InputSpec(resize: 72, cropHeight: 64, cropWidth: 48, mean: [0.5, 0.25, 0], std: [1, 2, 0.5],
                         quantization: ActivationQuantization(scale: 0.01, zeroPoint: 128))
    #expect(Preprocessing(spec) == Preprocessing(resize: 72, cropHeight: 64, cropWidth: 48, mean: [0.5, 0.25, 0], std: [1, 2, 0.5]))
}
