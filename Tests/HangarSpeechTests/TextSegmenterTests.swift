import HangarSpeech
import Testing

@Suite("Text segmentation")
struct TextSegmenterTests {
    func texts(_ text: String, max: Int = 350, first: Int? = nil) -> [String] {
        TextSegmenter.segments(of: text, maximumCharacters: max, firstMaximumCharacters: first).map(\.text)
    }

    @Test("sentences end at . ! ? … and line breaks, closing quotes included")
    func sentences() {
        #expect(texts("Hello there. How are you? Fine!  Good… Next\nline") == ["Hello there.", "How are you?", "Fine!", "Good…", "Next", "line"])
        #expect(texts("He said \"stop.\" Then he left.") == ["He said \"stop.\"", "Then he left."])
        let kinds = TextSegmenter.segments(of: "One.\n\nTwo.").map(\.boundary)
        #expect(kinds == [.paragraph, .sentence])
    }

    @Test("abbreviations, initials, decimals and names do not end sentences")
    func notEnds() {
        #expect(
            texts("Dr. Smith met J. R. Tolkien at 3.14 p.m. today. Visit example.com now.") == [
                "Dr. Smith met J. R. Tolkien at 3.14 p.m. today.", "Visit example.com now.",
            ]
        )
        #expect(texts("See e.g. the manual. It helps.") == ["See e.g. the manual.", "It helps."])
    }

    @Test("long sentences are cut after clause punctuation, else between words, else at the limit")
    func longSentences() {
        let clause = "This first part is rather long, and this second part is also quite long indeed."
        let pieces = TextSegmenter.segments(of: clause, maximumCharacters: 50)
        #expect(pieces.map(\.text) == ["This first part is rather long,", "and this second part is also quite long indeed."])
        #expect(pieces.map(\.boundary) == [.clause, .sentence])
        let words = TextSegmenter.segments(of: "one two three four five six seven eight nine ten eleven twelve", maximumCharacters: 20)
        #expect(words.allSatisfy { $0.text.count <= 20 })
        #expect(words.dropLast().allSatisfy { $0.boundary == .word })
        #expect(words.map(\.text).joined(separator: " ") == "one two three four five six seven eight nine ten eleven twelve")
        let hard = TextSegmenter.segments(of: String(repeating: "x", count: 45), maximumCharacters: 20)
        #expect(hard.map(\.text.count) == [20, 20, 5] && hard[0].boundary == .hard)
    }

    @Test("no segment is longer than the limit, whatever the text")
    func limitHolds() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abc de, f. g! h? i; j: k—l\n\"m\" 3.5 Dr. é 漢字。")
        for _ in 0..<200 {
            let text = String((0..<Int.random(in: 0...600, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            for segment in TextSegmenter.segments(of: text, maximumCharacters: 40, firstMaximumCharacters: 15) {
                #expect(segment.text.count <= 40 && !segment.text.isEmpty)
            }
        }
    }

    @Test("streaming releases a segment as soon as it is complete, and ends like the whole text")
    func incremental() {
        var segmenter = TextSegmenter(maximumCharacters: 350)
        #expect(segmenter.append("Opening the search").isEmpty)
        #expect(segmenter.append(" page.").map(\.text) == ["Opening the search page."])  // a period at the end of what arrived
        #expect(segmenter.append(" It costs 3.").isEmpty)  // might be 3.5
        #expect(segmenter.append("5 dollars! Then").map(\.text) == ["It costs 3.5 dollars!"])
        #expect(segmenter.pendingCharacters == " Then".count)
        #expect(segmenter.flush().map(\.text) == ["Then"])

        let text = "I'm now searching for Python tutorials on YouTube. The first result looks good, so I'll click it. Done!"
        var tokens = TextSegmenter()
        var streamed: [String] = []
        var index = text.startIndex
        while index < text.endIndex {
            let end = text.index(index, offsetBy: 3, limitedBy: text.endIndex) ?? text.endIndex
            streamed += tokens.append(String(text[index..<end])).map(\.text)
            index = end
        }
        streamed += tokens.flush().map(\.text)
        #expect(streamed == texts(text))
    }

    @Test("a stream's first segment ends at its first clause, or sooner than the others, so that audio starts sooner")
    func firstSegment() {
        let text = "Welcome back, I have opened the dashboard, and I am now looking at the statistics for this week."
        #expect(
            TextSegmenter.segments(of: text, maximumCharacters: 350, firstMaximumCharacters: 120).map(\.text) == [
                "Welcome back, I have opened the dashboard,", "and I am now looking at the statistics for this week.",
            ]
        )
        #expect(TextSegmenter.segments(of: text, maximumCharacters: 350).count == 1)  // whole texts keep their sentences
        let long = String(repeating: "word ", count: 40) + "end."
        #expect(TextSegmenter.segments(of: long, maximumCharacters: 350, firstMaximumCharacters: 60).first?.text.count ?? 0 <= 60)
        var streaming = TextSegmenter(maximumCharacters: 350, firstMaximumCharacters: 120)
        #expect(streaming.append("Okay, so the first thing").isEmpty)  // "Okay," is shorter than 20 characters
        #expect(streaming.append(" to do, I think,").map(\.text) == ["Okay, so the first thing to do,"])
    }

    @Test("full-width punctuation, and nothing unspeakable")
    func other() {
        #expect(texts("你好。今天很好！") == ["你好。", "今天很好！"])
        #expect(texts("... — !! \n Hello.") == ["Hello."])
        #expect(texts("tab\tand\u{7}bell").first == "tab and bell")
    }
}
