import Foundation

/// Splits a reply into messages a platform accepts (Telegram: 4,096 characters; Discord:
/// 2,000), at the best boundary inside each piece: a paragraph, else a line, else a sentence,
/// else a space, else (one unbroken word) anywhere. Lengths are counted in UTF-16 code units,
/// as Telegram counts them, and a cut never falls inside a character.
public enum ReplySplitter {
    public static func split(_ text: String, limit: Int) -> [String] {
        precondition(limit > 1)
        var pieces: [String] = []
        var rest = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
        while rest.utf16.count > limit {
            var end = rest.utf16.index(rest.startIndex, offsetBy: limit)
            while end > rest.startIndex, String.Index(end, within: rest) == nil { end = rest.utf16.index(before: end) }
            // One character longer than the limit (thousands of combining marks): it goes whole.
            if end == rest.startIndex { end = rest.index(after: rest.startIndex) }
            let window = rest[..<end]
            let cut = boundary(in: window) ?? end
            let piece = rest[..<cut].trimmingCharacters(in: .whitespacesAndNewlines)
            if !piece.isEmpty { pieces.append(piece) }
            rest = rest[cut...].drop { $0.isWhitespace }
        }
        let last = rest.trimmingCharacters(in: .whitespacesAndNewlines)
        if !last.isEmpty || pieces.isEmpty { pieces.append(last) }
        return pieces
    }

    /// Where to cut `window`: just after the last paragraph break, line break, sentence end or
    /// space in it, the first kind found winning. Cuts in the first fifth are passed over (they
    /// would leave a tiny message).
    static func boundary(in window: Substring) -> String.Index? {
        let floor = window.utf16.count / 5
        for separator in ["\n\n", "\n", ". ", "! ", "? ", "。", " "] {
            guard let found = window.range(of: separator, options: .backwards) else { continue }
            if window.utf16.distance(from: window.startIndex, to: found.lowerBound) > floor { return found.upperBound }
        }
        return nil
    }
}
