import Foundation
import Testing

/// The reduced-width random-init models of all 8 archs: per-layer and logits SQNR of int8
/// against fp32 (`vgg-quantize eval`) stay above the floors of AccuracyThresholds.swift.
@Test(arguments: ["vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn"])
func randomInitModelsKeepTheirSQNR(arch: String) throws {
    let images = Blobs.directory.appendingPathComponent("photos-\(arch)")
    try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
    for name in ["astronaut.jpg", "chelsea.jpg", "coffee.png", "cat_small.jpg", "rocket_progressive.jpg",
                 "grey.jpg", "cmyk.jpg", "palette.png", "rgba.png"] {
        try FileManager.default.copyItem(at: Tool.fixtures.appendingPathComponent("images/\(name)"),
                                         to: images.appendingPathComponent(name))
    }
    let report = Blobs.directory.appendingPathComponent("\(arch)-eval.json")
    let result = try Tool(name: "vgg-quantize").run([
        "eval", "--weights", Tool.fixtures.appendingPathComponent("models/\(arch).pth").path,
        "--blob", Blobs.arch(arch).path, "--images", images.path, "--json", report.path])
    #expect(result.status == 0, "\(result.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as! [String: Any]
    #expect(object["images"] as? Int == 9)
    let logits = object["logits_sqnr_db"] as! Double
    let logitsFloor = AccuracyThresholds.randomInitMinimumLogitsSQNR[arch]!
    #expect(logits >= logitsFloor, "\(arch): logits SQNR \(logits) dB < floor \(logitsFloor) dB")
    let layerFloor = AccuracyThresholds.randomInitMinimumLayerSQNR[arch]!
    for layer in object["layers"] as! [[String: Any]] {
        let sqnr = layer["sqnr_db"] as? Double ?? -.infinity
        #expect(sqnr >= layerFloor, "\(arch) \(layer["name"]!): SQNR \(sqnr) dB < floor \(layerFloor) dB")
    }
}
