/// One server-sent event (WHATWG HTML §9.2, `text/event-stream`): what Hangar's SSE endpoints
/// write and what its clients (the CLI, model providers, MCP servers) read, in one place.
public struct ServerSentEvent: Sendable, Hashable {
    public var event: String
    public var data: String
    public var id: String?
    /// The reconnection delay to ask of the client, in milliseconds.
    public var retry: Int?

    public init(event: String = "message", data: String = "", id: String? = nil, retry: Int? = nil) {
        self.event = event
        self.data = data
        self.id = id
        self.retry = retry
    }

    /// The event on the wire, ending with the blank line that dispatches it. Data with line
    /// breaks becomes several `data:` lines (a reader joins them with LF again); a line break
    /// in `event` or `id` would end the field early, so it is dropped.
    public var encoded: String {
        var text = ""
        if let id { text += "id: \(Self.oneLine(id))\n" }
        if event != "message" { text += "event: \(Self.oneLine(event))\n" }
        if let retry { text += "retry: \(retry)\n" }
        for line in Self.lines(data) { text += "data: \(line)\n" }
        return text + "\n"
    }

    /// A comment line: readers ignore it; proxies see traffic on an idle stream.
    public static func comment(_ text: String) -> String {
        lines(text).map { ": \($0)\n" }.joined() + "\n"
    }

    /// Only the reconnection delay, sent first by a stream that wants clients to resume quickly.
    public static func retry(milliseconds: Int) -> String { "retry: \(milliseconds)\n\n" }

    private static func oneLine(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0 != "\n" && $0 != "\r" })
    }

    /// Splits at LF, CRLF or CR, as a reader does. (By scalars: to `String`, CRLF is one
    /// character.)
    private static func lines(_ text: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var afterCR = false
        for scalar in text.unicodeScalars {
            if afterCR, scalar == "\n" {
                afterCR = false
                continue
            }
            afterCR = scalar == "\r"
            if scalar == "\n" || scalar == "\r" {
                lines.append(String(current))
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        lines.append(String(current))
        return lines
    }
}

/// Reads `text/event-stream` incrementally from bytes as they arrive: lines end in LF, CRLF
/// or CR (also when a CRLF pair is split between two chunks); `data:` lines join with LF; a
/// blank line dispatches; `:` starts a comment. Text is decoded per complete line, so a UTF-8
/// character split between chunks arrives whole. A line longer than `maxLine`, or an event
/// whose data grows past `maxEvent`, throws `ServerSentEventTooLarge`: a server cannot make
/// its reader buffer without bound.
public struct ServerSentEventParser: Sendable {
    private var event = ServerSentEvent()
    private var hasData = false
    private var line: [UInt8] = []
    private var lastWasCR = false
    public let maxLine: Int
    public let maxEvent: Int

    public init(maxLine: Int = 8 << 20, maxEvent: Int = 16 << 20) {
        self.maxLine = maxLine
        self.maxEvent = maxEvent
    }

    /// Feeds bytes; returns the events they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws -> [ServerSentEvent] {
        var ready: [ServerSentEvent] = []
        for byte in bytes {
            if lastWasCR, byte == UInt8(ascii: "\n") {
                lastWasCR = false
                continue
            }
            lastWasCR = byte == UInt8(ascii: "\r")
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if let complete = try endLine() { ready.append(complete) }
            } else {
                line.append(byte)
                if line.count > maxLine { throw ServerSentEventTooLarge(what: "line", limit: maxLine) }
            }
        }
        return ready
    }

    /// The event left when the stream ends without a final blank line.
    public mutating func finish() throws -> ServerSentEvent? {
        if !line.isEmpty { _ = try endLine() }
        return try endLine()
    }

    private mutating func endLine() throws -> ServerSentEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            guard hasData else {
                event = ServerSentEvent()
                return nil
            }
            var complete = event
            if complete.data.hasSuffix("\n") { complete.data.removeLast() }
            event = ServerSentEvent()
            hasData = false
            return complete
        }
        if line.first == UInt8(ascii: ":") { return nil }
        let text = String(decoding: line, as: UTF8.self)
        let field: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = Substring(text)
            value = ""
        }
        switch field {
        case "data":
            event.data += value + "\n"
            hasData = true
            if event.data.utf8.count > maxEvent { throw ServerSentEventTooLarge(what: "event", limit: maxEvent) }
        case "event": event.event = String(value)
        case "id" where !value.contains("\0"): event.id = String(value)
        case "retry": event.retry = Int(value)
        default: break
        }
        return nil
    }
}

public struct ServerSentEventTooLarge: Error, CustomStringConvertible {
    public let what: String
    public let limit: Int
    public var description: String { "a streamed \(what) exceeded \(limit) bytes" }
}
