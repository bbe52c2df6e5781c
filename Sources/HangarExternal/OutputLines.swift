/// Splits a byte stream into lines with bounded memory: a line longer than `maxLineBytes`
/// keeps its first `maxLineBytes` and is marked truncated; the rest of it is skipped.
struct OutputLines {
    struct Line: Equatable {
        var text: String
        var truncated: Bool
    }

    let maxLineBytes: Int
    private var pending: [UInt8] = []
    private var overflowed = false

    init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    mutating func feed(_ bytes: some Sequence<UInt8>) -> [Line] {
        var lines: [Line] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                lines.append(take())
            } else if pending.count < maxLineBytes {
                pending.append(byte)
            } else {
                overflowed = true
            }
        }
        return lines
    }

    /// The unterminated last line, if any.
    mutating func finish() -> Line? {
        pending.isEmpty && !overflowed ? nil : take()
    }

    private mutating func take() -> Line {
        if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
        let line = Line(text: String(decoding: pending, as: UTF8.self), truncated: overflowed)
        pending.removeAll(keepingCapacity: true)
        overflowed = false
        return line
    }
}
