import Foundation
import Quantizer
import Testing
@testable import Evaluation

/// A report with hand-made numbers: three layers, one with a name that needs escaping and one
/// whose SQNR is infinite; labelled or not.
private func sampleReport(labelled: Bool) -> EvaluationReport {
    var observer = ActivationObserver()
    observer.observe([0, 0, 0.5, 1, 2.5, 4])
    func layer(_ name: String, _ sqnr: Double) -> EvaluationReport.Layer {
        EvaluationReport.Layer(name: name, sqnrDecibels: sqnr, int8Range: [0, 3], fp32Max: 4,
                               histogram: ActivationHistogram(observer, upper: 4))
    }
    return EvaluationReport(
        arch: "vgg11_bn", blob: "a <b>&'\"c.vq8", calibration: "mse, 64 images", kernel: "avx2", threads: 2,
        blobBytes: 361_216, checkpointBytes: 1_426_441, images: 360, labels: labelled ? "labels.csv" : nil,
        top1Agreement: 100, top5Agreement: 100, logitsSQNRDecibels: 38.28, logitsCosine: 0.99993,
        fp32Top1: labelled ? 98.06 : nil, int8Top1: labelled ? 97.5 : nil,
        fp32Top5: labelled ? 99.72 : nil, int8Top5: labelled ? 99.72 : nil,
        fp32MsPerImage: 0.3, int8MsPerImage: 0.17,
        layers: [layer("features.0", 38.4), layer("<script>&", 30.9), layer("classifier.3", .infinity)])
}

/// Tag names in order, with every end tag matched against the open one; the unclosed rest.
/// Self-closed elements (`<rect .../>`) and the doctype need no end tag.
private func unbalancedTags(_ html: String) -> [String] {
    var open: [String] = []
    var rest = html[...]
    while let start = rest.firstIndex(of: "<") {
        guard let end = rest[start...].firstIndex(of: ">") else { return open + ["<unterminated>"] }
        let tag = rest[rest.index(after: start)..<end]
        rest = rest[rest.index(after: end)...]
        let name = String(tag.prefix { !$0.isWhitespace && $0 != "/" && $0 != ">" })
        if tag.hasPrefix("!") || tag.hasSuffix("/") { continue }
        if tag.hasPrefix("/") {
            guard open.popLast() == String(tag.dropFirst()) else { return open + ["</\(tag.dropFirst())> out of place"] }
        } else {
            open.append(name)
        }
    }
    return open
}

@Suite struct ReportTests {
    @Test func jsonHasTheAgreedKeys() throws {
        let text = try sampleReport(labelled: true).jsonText()
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        for key in ["images", "top1_agreement", "top5_agreement", "logits_sqnr_db", "logits_cosine", "layers",
                    "fp32_top1", "int8_top1", "fp32_top5", "int8_top5", "arch", "blob", "kernel", "threads",
                    "blob_bytes", "checkpoint_bytes", "int8_ms_per_image", "fp32_ms_per_image"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        let layers = object["layers"] as! [[String: Any]]
        #expect(layers.map { $0["name"] as! String } == ["features.0", "<script>&", "classifier.3"])
        #expect(layers[0]["sqnr_db"] as? Double == 38.4)
        #expect(layers[2]["sqnr_db"] as? String == "inf", "an infinite SQNR is the string inf")
        #expect((layers[0]["histogram"] as! [String: Any])["zeros"] as? Int == 2)

        let unlabelled = try JSONSerialization.jsonObject(with: Data(try sampleReport(labelled: false).jsonText().utf8)) as! [String: Any]
        #expect(unlabelled["fp32_top1"] == nil && unlabelled["int8_top5"] == nil && unlabelled["labels"] == nil)
    }

    @Test func summaryShowsAccuracyOnlyWithLabels() {
        let text = sampleReport(labelled: true).summaryText
        #expect(text.contains("top-1 accuracy") && text.contains("98.06%") && text.contains("97.50%"))
        #expect(text.contains("logits SQNR") && text.contains("38.3 dB"))
        #expect(text.contains("30.9 dB (<script>&)"), "the lowest finite layer SQNR")
        #expect(!sampleReport(labelled: false).summaryText.contains("accuracy"))
    }

    @Test func pageIsSelfContainedAndWellFormed() {
        let page = ReportPage.html(sampleReport(labelled: true))
        #expect(unbalancedTags(page) == [])
        // One chart for the SQNRs, one histogram per layer.
        #expect(page.components(separatedBy: "<svg").count - 1 == 1 + 3)
        #expect(!page.contains("http://") && !page.contains("https://") && !page.contains("<script") && !page.contains("<link"))
        #expect(page.contains("a &lt;b&gt;&amp;&#39;&quot;c.vq8") && page.contains("&lt;script&gt;&amp;"))
        #expect(page.hasPrefix("<!DOCTYPE html>") && page.hasSuffix("</html>\n"))
        // The scanner itself catches an unclosed and a misplaced tag.
        #expect(unbalancedTags("<p><svg></p>") != [] && unbalancedTags("<figure><svg/>") == ["figure"])
    }

    @Test func escapeHelper() {
        #expect(ReportPage.escape(#"<a href="x">Tom & 'Jerry'</a>"#) == "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;")
    }
}
