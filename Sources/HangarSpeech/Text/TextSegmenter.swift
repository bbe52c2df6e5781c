/// Punctuation-aware segmentation, incremental: text arrives in pieces (an LLM's tokens, a
/// narrator's sentences) and a segment is released as soon as it is certainly complete, so
/// synthesis can start while the rest is still being written.
///
/// A segment ends at a sentence boundary: `.` `!` `?` `…` (with any closing quotes or
/// brackets) followed by a space or the end of the text so far, a full-width `。！？`, or a
/// line break. A `.` after an abbreviation (`Dr.`, `e.g.`) or an initial (`J.`) is not one,
/// nor one inside a number or a name (`3.14`, `example.com`); a number followed by `.` at the
/// very end waits for the next piece (it may be `3.` + `14`). A sentence longer than the
/// limit is cut after its last clause punctuation within the limit, else between words,
/// else at the limit. The first segment of a stream may have a smaller limit, and ends at
/// its first clause (a `,` `;` `:` or dash after at least `firstClauseCharacters`) if that
/// comes before the sentence's end, so that the first audio comes sooner.
public struct TextSegmenter: Sendable {
    public let maximumCharacters: Int
    public let firstMaximumCharacters: Int
    /// The shortest first segment cut at a clause.
    public static let firstClauseCharacters = 20
    private var buffer: [Character] = []
    private var emitted = 0

    public init(maximumCharacters: Int = 350, firstMaximumCharacters: Int? = nil) {
        self.maximumCharacters = max(8, maximumCharacters)
        self.firstMaximumCharacters = min(self.maximumCharacters, max(8, firstMaximumCharacters ?? maximumCharacters))
    }

    /// All segments of a complete text.
    public static func segments(of text: String, maximumCharacters: Int = 350, firstMaximumCharacters: Int? = nil) -> [TextSegment] {
        var segmenter = TextSegmenter(maximumCharacters: maximumCharacters, firstMaximumCharacters: firstMaximumCharacters)
        return segmenter.append(text) + segmenter.flush()
    }

    /// Characters received but not yet released in a segment.
    public var pendingCharacters: Int { buffer.count }

    /// Adds text; returns the segments it completed.
    public mutating func append(_ text: String) -> [TextSegment] {
        buffer.append(contentsOf: Self.normalise(text))
        return release(final: false)
    }

    /// Releases whatever is left as the last segment(s).
    public mutating func flush() -> [TextSegment] {
        release(final: true)
    }

    /// Forgets pending text (after an interruption); the next segment counts as a first one again.
    public mutating func reset() {
        buffer.removeAll()
        emitted = 0
    }

    private mutating func release(final: Bool) -> [TextSegment] {
        var segments: [TextSegment] = []
        while !buffer.isEmpty {
            let first = emitted == 0 && firstMaximumCharacters < maximumCharacters
            let limit = first ? firstMaximumCharacters : maximumCharacters
            let sentence = Self.sentenceBoundary(in: buffer, final: final)
            let cut: (end: Int, boundary: SegmentBoundary)
            if first, let clause = Self.firstClause(in: buffer, before: min(sentence?.end ?? limit, limit)) {
                cut = (clause, .clause)
            } else if let boundary = sentence, boundary.end <= limit {
                cut = boundary
            } else if buffer.count > limit {
                cut = Self.bestCut(buffer, limit: limit)
            } else if final {
                cut = (buffer.count, .sentence)
            } else {
                break
            }
            let piece = String(buffer[0..<cut.end])
            buffer.removeFirst(cut.end)
            if let text = Self.clean(piece) {
                segments.append(TextSegment(text: text, boundary: cut.boundary))
                emitted += 1
            } else if cut.boundary == .paragraph, let last = segments.indices.last {
                segments[last].boundary = .paragraph
            }
        }
        return segments
    }
}
