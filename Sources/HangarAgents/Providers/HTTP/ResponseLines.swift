import AsyncHTTPClient
import NIOCore

/// One server-sent event (WHATWG HTML §9.2).
struct ServerSentEvent: Sendable, Hashable {
    var event: String = "message"
    var data: String = ""
    var id: String?
}

/// Parses the `text/event-stream` format: lines end in LF, CRLF or CR; `data:` lines join
/// with LF; a blank line dispatches; `:` starts a comment. (mattt/EventSource has a parser
/// but does not build on Linux, and an actor call per byte is more than this needs.)
struct ServerSentEventParser {
    private var event = ServerSentEvent()
    private var hasData = false
    private var line: [UInt8] = []
    private var lastWasCR = false
    let maxLine: Int

    init(maxLine: Int = 8 << 20) {
        self.maxLine = maxLine
    }

    /// Feeds bytes; returns the events they complete.
    mutating func feed(_ bytes: ByteBufferView) throws -> [ServerSentEvent] {
        var ready: [ServerSentEvent] = []
        for byte in bytes {
            if lastWasCR, byte == UInt8(ascii: "\n") {
                lastWasCR = false
                continue
            }
            lastWasCR = byte == UInt8(ascii: "\r")
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if let complete = endLine() { ready.append(complete) }
            } else {
                line.append(byte)
                if line.count > maxLine { throw LineTooLong(limit: maxLine) }
            }
        }
        return ready
    }

    /// The event left when the stream ends without a final blank line.
    mutating func finish() -> ServerSentEvent? {
        if !line.isEmpty { _ = endLine() }
        return endLine()
    }

    private mutating func endLine() -> ServerSentEvent? {
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
        case "event": event.event = String(value)
        case "id": event.id = String(value)
        default: break
        }
        return nil
    }
}

extension HTTPClientResponse.Body {
    /// Server-sent events (OpenAI's streaming format).
    func serverSentEvents() -> AsyncThrowingStream<ServerSentEvent, any Error> {
        let body = self
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    var parser = ServerSentEventParser()
                    for try await chunk in body {
                        for event in try parser.feed(chunk.readableBytesView) { continuation.yield(event) }
                    }
                    if let last = parser.finish() { continuation.yield(last) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Newline-delimited chunks (Ollama's streaming format), one line at a time, each at
    /// most `maxLine` bytes so that a hostile server cannot grow memory without bound.
    func lines(maxLine: Int = 8 << 20) -> AsyncThrowingStream<[UInt8], any Error> {
        let body = self
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    var pending: [UInt8] = []
                    for try await chunk in body {
                        for byte in chunk.readableBytesView {
                            if byte == UInt8(ascii: "\n") {
                                if !pending.isEmpty { continuation.yield(pending) }
                                pending.removeAll(keepingCapacity: true)
                            } else {
                                pending.append(byte)
                                if pending.count > maxLine { throw LineTooLong(limit: maxLine) }
                            }
                        }
                    }
                    if !pending.isEmpty { continuation.yield(pending) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

struct LineTooLong: Error, CustomStringConvertible {
    let limit: Int
    var description: String { "a streamed line exceeded \(limit) bytes" }
}
