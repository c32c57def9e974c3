import Foundation
import Testing
@testable import Evaluation

private let digits = (0..<10).map(String.init)

@Suite struct LabelsFileTests {
    @Test func namesIndicesBlankLinesAndWindowsLineEnds() throws {
        let text = "\u{FEFF}file,label\r\n0000.png,1\r\n\r\nsub/0001.png , 4\r\n"
        let rows = try LabelsFile.parse(text, name: "labels.csv", classNames: digits)
        #expect(rows.map(\.file) == ["0000.png", "sub/0001.png"] && rows.map(\.label) == [1, 4])
        // A class name wins over an index; a name may contain commas.
        let names = ["cat", "dog", "0", "crane, bird"]
        let named = try LabelsFile.parse("file,label\na.png,dog\nb.png,3\nc.png,0\nd.png,crane, bird\n", name: "l.csv", classNames: names)
        #expect(named.map(\.label) == [1, 3, 2, 3])
    }

    @Test(arguments: [
        ("0000.png,1\n", "labels.csv: the first line must be the header file,label"),
        ("file,label\n0000.png\n", "labels.csv line 2: expected file,label"),
        ("file,label\n0000.png,\n", "labels.csv line 2: empty file or label"),
        ("file,label\n0000.png,1\n\n0000.png,2\n", "labels.csv line 4: 0000.png is listed twice"),
        ("file,label\n0000.png,seven\n", "labels.csv line 2: unknown class \"seven\""),
        ("file,label\n0000.png,10\n", "labels.csv line 2: unknown class \"10\""),
        ("file,label\n0000.png,-1\n", "labels.csv line 2: unknown class \"-1\""),
    ])
    func malformedFilesNameTheLine(text: String, message: String) {
        #expect {
            try LabelsFile.parse(text, name: "labels.csv", classNames: digits)
        } throws: { error in
            (error as? EvaluationError)?.description.hasPrefix(message) == true
        }
    }

    /// ImageNet names two classes "crane" (134 and 517): the name is refused, the index works.
    @Test func ambiguousNamesNeedTheIndex() throws {
        let names = ["crane", "maillot", "crane"]
        #expect(throws: EvaluationError("l.csv line 2: classes 0, 2 are all named \"crane\"; give the class index")) {
            try LabelsFile.parse("file,label\na.png,crane\n", name: "l.csv", classNames: names)
        }
        #expect(try LabelsFile.parse("file,label\na.png,2\n", name: "l.csv", classNames: names).map(\.label) == [2])
    }
}

@Suite struct EvaluationImagesTests {
    /// A fresh folder holding empty files at `paths` (listing looks at names only).
    private func folder(_ paths: [String]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("eval-images-\(UUID().uuidString)")
        for path in paths {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data().write(to: url)
        }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        return root
    }

    @Test func imagesAreSortedAndOtherFilesIgnored() throws {
        let root = try folder(["b.png", "a.JPG", "notes.txt", "c/d.jpeg"])
        defer { try? FileManager.default.removeItem(at: root) }
        let images = try EvaluationImages(folder: root, labelsFile: nil, classNames: digits)
        #expect(images.relativePaths == ["a.JPG", "b.png", "c/d.jpeg"])
        #expect(images.labels == nil && images.labelSource == nil)
    }

    @Test func classNamedSubfoldersAreLabels() throws {
        let root = try folder(["3/x.png", "3/y.png", "1/z.jpg"])
        defer { try? FileManager.default.removeItem(at: root) }
        let images = try EvaluationImages(folder: root, labelsFile: nil, classNames: digits)
        #expect(images.relativePaths == ["1/z.jpg", "3/x.png", "3/y.png"] && images.labels == [1, 3, 3])
        #expect(images.labelSource == "subfolders")
        // One image outside a class folder: unlabelled.
        let mixed = try folder(["3/x.png", "x.png"])
        defer { try? FileManager.default.removeItem(at: mixed) }
        #expect(try EvaluationImages(folder: mixed, labelsFile: nil, classNames: digits).labels == nil)
    }

    @Test func labelsFileMustLabelExactlyTheFolder() throws {
        let root = try folder(["a.png", "b.png"])
        defer { try? FileManager.default.removeItem(at: root) }
        func labels(_ text: String) throws -> EvaluationImages {
            let file = root.appendingPathComponent("labels.csv")
            try Data(text.utf8).write(to: file)
            return try EvaluationImages(folder: root, labelsFile: file, classNames: digits)
        }
        #expect(try labels("file,label\nb.png,2\na.png,7\n").labels == [7, 2])
        #expect { try labels("file,label\na.png,1\nb.png,2\nc.png,3\n") } throws: {
            "\($0)".hasSuffix("labels.csv: c.png is not an image in the image folder")
        }
        #expect { try labels("file,label\na.png,1\n") } throws: {
            "\($0)".hasSuffix("labels.csv: 1 image(s) of the folder have no label, the first b.png")
        }
        #expect { try EvaluationImages(folder: root, labelsFile: root.appendingPathComponent("absent.csv"), classNames: digits) } throws: {
            "\($0)".hasSuffix("absent.csv: cannot read the labels file")
        }
    }

    @Test func emptyOrMissingFolders() throws {
        let root = try folder(["readme.txt"])
        defer { try? FileManager.default.removeItem(at: root) }
        #expect { try EvaluationImages(folder: root, labelsFile: nil, classNames: digits) } throws: {
            "\($0)".hasSuffix("no PNG or JPEG images in the image folder")
        }
        #expect { try EvaluationImages(folder: root.appendingPathComponent("absent"), labelsFile: nil, classNames: digits) } throws: {
            "\($0)".hasSuffix("absent: image folder does not exist or is not a folder")
        }
    }
}
