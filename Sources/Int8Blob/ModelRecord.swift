import QuantCore

/// The model section (80 bytes, Docs/BlobFormat.md, "Model record"): the model's strings,
/// counts and input spec.
struct ModelRecord: Equatable {
    static let encodedByteCount = 80

    var arch: StringRef
    var target: StringRef
    var calibration: StringRef
    var layerCount: UInt32
    var labelCount: UInt32
    var resize: UInt32
    var cropHeight: UInt32
    var cropWidth: UInt32
    var inputQuantization: ActivationQuantization
    /// R, G, B.
    var mean: [Float]
    /// R, G, B.
    var std: [Float]
    var reserved: UInt32 = 0

    init(arch: StringRef, target: StringRef, calibration: StringRef, layerCount: UInt32, labelCount: UInt32,
         resize: UInt32, cropHeight: UInt32, cropWidth: UInt32, inputQuantization: ActivationQuantization,
         mean: [Float], std: [Float]) {
        precondition(mean.count == 3 && std.count == 3)
        self.arch = arch
        self.target = target
        self.calibration = calibration
        self.layerCount = layerCount
        self.labelCount = labelCount
        self.resize = resize
        self.cropHeight = cropHeight
        self.cropWidth = cropWidth
        self.inputQuantization = inputQuantization
        self.mean = mean
        self.std = std
    }

    init(reading reader: inout LittleEndianReader) {
        arch = StringRef(reading: &reader)
        target = StringRef(reading: &reader)
        calibration = StringRef(reading: &reader)
        layerCount = reader.u32()
        labelCount = reader.u32()
        resize = reader.u32()
        cropHeight = reader.u32()
        cropWidth = reader.u32()
        inputQuantization = ActivationQuantization(scale: reader.f32(), zeroPoint: reader.i32())
        mean = (0..<3).map { _ in reader.f32() }
        std = (0..<3).map { _ in reader.f32() }
        reserved = reader.u32()
    }

    func write(to writer: inout LittleEndianWriter) {
        arch.write(to: &writer)
        target.write(to: &writer)
        calibration.write(to: &writer)
        writer.append(layerCount)
        writer.append(labelCount)
        writer.append(resize)
        writer.append(cropHeight)
        writer.append(cropWidth)
        writer.append(inputQuantization.scale)
        writer.append(inputQuantization.zeroPoint)
        for value in mean + std {
            writer.append(value)
        }
        writer.append(reserved)
    }
}
