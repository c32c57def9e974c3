import StrictJSON
import Testing

/// What Swift 6.0's Foundation parses without trapping passes; what it traps on is refused.
@Suite struct StrictJSONTests {
    @Test(arguments: [
        #"{}"#, #"{"a": 1, "b": [1.5e3, true, null]}"#, #"{"key \" quote": "\\ \/ \b \f \n \r \t"}"#,
        #"{"u": "\u00e9\u0041", "pair": "\ud83d\ude00"}"#, #"{"a\\": 1}"#, "{\"é\": \"日本\"}", #"not json at all"#, #"[1, 2"#,
    ])
    func accepts(_ text: String) throws {
        try StrictJSON.checkStrings(Array(text.utf8))
    }

    @Test(arguments: [
        ("{\"a\u{1c}\": 1}", "holds control character 0x1C at byte 3"),
        ("{\"a\": \"tab\there\"}", "holds control character 0x09 at byte 10"),
        ("{\"a\": \"\u{0}\"}", "holds control character 0x00"),
        (#"{"a\q": 1}"#, "invalid escape at byte 3"),
        (#"{"a": "\u12G4"}"#, "invalid \\u escape"),
        (#"{"a": "\ud83d"}"#, "lone surrogate escape at byte 7"),
        (#"{"a": "\ud83d\u0041"}"#, "lone surrogate escape"),
        (#"{"a": "\ude00x"}"#, "lone surrogate escape"),
        (#"{"a": "\ud83d\ud83d"}"#, "lone surrogate escape at byte 7"),
        (#"{"a": "\ud83d\u12"}"#, "invalid \\u escape at byte 13"),
        (#"{"a": "\u00"#, "ends inside an escape"),
        (#"{"a": "open"#, "has no closing quote"),
    ])
    func refuses(_ text: String, _ problem: String) {
        do {
            try StrictJSON.checkStrings(Array(text.utf8))
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.contains(problem), "\(error.description)")
        }
    }

    @Test func refusesInvalidUTF8() {
        var bytes = Array(#"{"ab": 1}"#.utf8)
        bytes[2] = 0xFF
        do {
            try StrictJSON.checkStrings(bytes)
            Issue.record("accepted invalid UTF-8")
        } catch {
            #expect(error.description == "JSON text is not valid UTF-8")
        }
    }
}
