import Foundation
import HangarCore
import Testing

@Suite("JSON codec")
struct JSONCodecTests {
    @Test("parses every JSON type, escapes and surrogate pairs")
    func parses() throws {
        let text = #" { "a": [1, -2.5, 1e3, true, false, null], "s": "q\"\\\/\b\f\n\r\t\u00e9\ud83d\ude80", "o": {} , "e": [] } "#
        let value = try JSONText.decode(text)
        #expect(value["a"] == [1, -2.5, 1000.0, true, false, nil])
        #expect(value["s"] == "q\"\\/\u{08}\u{0C}\n\r\té🚀")
        #expect(value["o"] == [:])
        #expect(value["e"] == [])
    }

    @Test("round-trips through text and agrees with Foundation's decoder")
    func roundTrip() throws {
        let samples = [
            #"{"x":1,"y":[{"z":"é ✓ \u0001"}],"big":9223372036854775807,"neg":-9223372036854775808,"f":0.1}"#,
            #"[[],{},"",0,-0,1.5e-7,"\u2028"]"#,
            #""plain""#, "42", "true", "null",
        ]
        for sample in samples {
            let ours = try JSONText.decode(sample)
            let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(sample.utf8))
            #expect(ours == foundation, "\(sample)")
            #expect(try JSONText.decode(JSONText.encode(ours)) == ours, "\(sample)")
        }
        #expect(JSONText.encode(["b": 1, "a": [true, nil, "x\ny"]]) == #"{"a":[true,null,"x\ny"],"b":1}"#)
        // Escapes inside grapheme clusters (a quote with a combining accent, CR LF) and around
        // multi-byte text: escaping works per byte, and nothing around an escape is lost or doubled.
        for tricky in ["\"\u{301}", "a\r\nb", "é\"🚀\\\u{1F}x", "\u{7F}\u{80}\u{2028}", "", "\"", "plain ✓"] {
            let encoded = JSONText.encode(.string(tricky))
            #expect(try JSONText.decode(encoded) == .string(tricky), "\(encoded)")
            #expect(try JSONDecoder().decode(String.self, from: Data(encoded.utf8)) == tricky, "\(encoded)")
        }
        #expect(JSONText.encode("q\"\\\u{1}") == #""q\"\\\u0001""#)
        #expect(JSONText.encode(.double(2.0)) == "2")
        #expect(JSONText.encode(.string("\u{01}")) == #""\u0001""#)
    }

    @Test("rejects malformed and hostile input with an error, never a crash")
    func rejects() {
        let bad: [String] = [
            "", " ", "{", "}", "[1,]", "{\"a\":}", "{\"a\" 1}", "{a:1}", "01", "1.", "1e", "-", "+1", "tru", "nul",
            "\"unterminated", "\"\u{01}\"", #""\x""#, #""\ud800""#, #""\udc00x""#, "[1] 2", "1e400", "NaN",
            String(repeating: "[", count: 100_000), String(repeating: "{\"a\":", count: 10_000) + "1" + String(repeating: "}", count: 10_000),
        ]
        for text in bad {
            #expect(throws: JSONParseError.self, "\(text.prefix(20))") { try JSONText.decode(text) }
        }
        #expect(throws: JSONParseError.self) { try JSONText.decode(bytes: [0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test("a repeated key or a NUL: kept by default, an error naming it in strict mode (request bodies)")
    func duplicateKeys() throws {
        let text = #"{"a":1,"b":{"c":1,"c":2}}"#
        #expect(try JSONText.decode(text)["b"]?["c"] == 2)
        let error = #expect(throws: JSONParseError.self) { try JSONText.decode(bytes: Array(text.utf8), strict: true) }
        #expect(error?.message == "duplicate key \"c\"" && error?.offset == 18, "\(String(describing: error))")
        #expect(try JSONText.decode(bytes: Array(#"{"a":{"c":1},"b":{"c":2}}"#.utf8), strict: true)["b"]?["c"] == 2, "the same key in two objects is fine")
        // NUL: kept by default, refused where the text will be stored.
        #expect(try JSONText.decode(#"["a\u0000b"]"#).arrayValue?.first == "a\u{0}b")
        #expect(throws: JSONParseError.self) { try JSONText.decode(bytes: Array(#"["a\u0000b"]"#.utf8), strict: true) }
    }

    @Test("integers beyond Int64 become doubles; numbers compare by value")
    func numbers() throws {
        #expect(try JSONText.decode("99999999999999999999") == .double(1e20))
        #expect(JSONValue.int(100) == .double(100))
        #expect(Set<JSONValue>([.int(3), .double(3)]).count == 1)
    }
}
