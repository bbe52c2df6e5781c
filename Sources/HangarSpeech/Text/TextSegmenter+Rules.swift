/// Where sentences end and where long ones may be cut.
extension TextSegmenter {
    static let terminators: Set<Character> = [".", "!", "?", "…"]
    static let fullWidthTerminators: Set<Character> = ["。", "！", "？"]
    static let closers: Set<Character> = ["\"", "'", "”", "’", ")", "]", "}", "»", "」", "』"]
    static let clausePunctuation: Set<Character> = [",", ";", ":", "—", "–", "，", "、", "；", "："]
    /// Words after which `.` does not end a sentence.
    static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "e.g", "i.e", "cf", "fig", "approx", "inc", "ltd", "corp", "mt",
        "vol", "pp", "ca", "gen", "sgt", "capt", "lt", "col", "rev", "hon", "u.s", "a.m", "p.m",
    ]

    /// The first certain sentence end: the index just past it, and its kind.
    static func sentenceBoundary(in text: [Character], final: Bool) -> (end: Int, boundary: SegmentBoundary)? {
        var index = 0
        while index < text.count {
            let character = text[index]
            if character == "\n" {
                let paragraph = index + 1 < text.count && text[index + 1] == "\n"
                return (paragraph ? index + 2 : index + 1, paragraph ? .paragraph : .sentence)
            }
            if fullWidthTerminators.contains(character) {
                var end = index + 1
                while end < text.count, closers.contains(text[end]) || fullWidthTerminators.contains(text[end]) { end += 1 }
                return (end, .sentence)
            }
            if terminators.contains(character) {
                var end = index + 1
                while end < text.count, terminators.contains(text[end]) || closers.contains(text[end]) { end += 1 }
                let atEnd = end == text.count
                if atEnd || text[end].isWhitespace {
                    let onlyPeriods = text[index..<end].allSatisfy { $0 == "." || closers.contains($0) }
                    let word = wordBefore(text, index)
                    let notAnEnd =
                        onlyPeriods && end - index == 1
                        && (abbreviations.contains(word.lowercased()) || isInitial(word) || (atEnd && !final && mayContinue(word)))
                    if !notAnEnd { return paragraphAware(text, end) }
                }
                index = end
                continue
            }
            index += 1
        }
        return nil
    }

    /// The end of the first complete clause (punctuation then a space) at or after
    /// `firstClauseCharacters` and before `limit`.
    static func firstClause(in text: [Character], before limit: Int) -> Int? {
        var index = firstClauseCharacters - 1
        while index + 1 < min(limit, text.count) {
            if clausePunctuation.contains(text[index]), text[index + 1].isWhitespace || isWide(text[index]) { return index + 1 }
            index += 1
        }
        return nil
    }

    /// A sentence end followed by a blank line is a paragraph end (the blank line goes with it).
    private static func paragraphAware(_ text: [Character], _ end: Int) -> (end: Int, boundary: SegmentBoundary) {
        var index = end
        var newlines = 0
        while index < text.count, text[index].isWhitespace {
            if text[index] == "\n" { newlines += 1 }
            index += 1
        }
        return newlines >= 2 ? (index, .paragraph) : (end, .sentence)
    }

    /// Where to cut a sentence longer than `limit`: after clause punctuation, else at a space,
    /// else at the limit. Cuts too close to the start (under a quarter of the limit) are avoided.
    static func bestCut(_ text: [Character], limit: Int) -> (end: Int, boundary: SegmentBoundary) {
        let floor = max(1, limit / 4)
        var index = min(limit, text.count) - 1
        while index >= floor {
            if clausePunctuation.contains(text[index]), index + 1 >= text.count || text[index + 1].isWhitespace || isWide(text[index]) {
                return (index + 1, .clause)
            }
            index -= 1
        }
        index = min(limit, text.count - 1)
        while index >= floor {
            if text[index].isWhitespace { return (index, .word) }
            index -= 1
        }
        return (min(limit, text.count), .hard)
    }

    private static func wordBefore(_ text: [Character], _ index: Int) -> String {
        var start = index
        while start > 0, !text[start - 1].isWhitespace { start -= 1 }
        return String(text[start..<index]).trimmingPrefix { "\"'(“‘[".contains($0) }.description
    }

    private static func isInitial(_ word: String) -> Bool {
        word.count == 1 && word.first?.isUppercase == true
    }

    /// A `.` at the very end of the text so far might be the inside of a number or a name.
    private static func mayContinue(_ word: String) -> Bool {
        guard let last = word.last else { return false }
        return last.isNumber || word.contains("@") || word.contains("/")
    }

    private static func isWide(_ character: Character) -> Bool {
        ["，", "、", "；", "："].contains(character)
    }

    /// Control characters become spaces; `\r\n` and `\r` become `\n`.
    static func normalise(_ text: String) -> [Character] {
        var characters: [Character] = []
        characters.reserveCapacity(text.count)
        for character in text {
            if character == "\r\n" || character == "\r" {
                characters.append("\n")
            } else if character != "\n", character.unicodeScalars.allSatisfy({ $0.properties.generalCategory == .control }) {
                characters.append(" ")
            } else {
                characters.append(character)
            }
        }
        return characters
    }

    /// The segment's text with runs of whitespace collapsed, or nil when nothing in it can be spoken.
    static func clean(_ piece: String) -> String? {
        let words = piece.split(whereSeparator: { $0.isWhitespace })
        guard words.contains(where: { $0.contains(where: { $0.isLetter || $0.isNumber }) }) else { return nil }
        return words.joined(separator: " ")
    }
}
