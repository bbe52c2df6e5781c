/// How a segment of text ends, which decides the pause after it and how it joins the next.
public enum SegmentBoundary: String, Sendable, Equatable {
    /// A blank line: the longest pause.
    case paragraph
    /// `.`, `!`, `?`, `…` (and their full-width forms) or a line break.
    case sentence
    /// A sentence longer than the limit, cut after `,` `;` `:` or a dash.
    case clause
    /// A clause longer than the limit, cut between words: the next segment is crossfaded on.
    case word
    /// A word longer than the limit, cut where the limit fell.
    case hard

    /// Whether the next segment continues this one mid-phrase (no pause, crossfaded join).
    public var continuesPhrase: Bool { self == .word || self == .hard }
}

/// One unit of synthesis: at most the configured number of characters, cut at the most
/// natural boundary available.
public struct TextSegment: Sendable, Equatable {
    public var text: String
    public var boundary: SegmentBoundary

    public init(text: String, boundary: SegmentBoundary) {
        self.text = text
        self.boundary = boundary
    }
}
