import HangarSSE
import Testing

@Suite("Server-sent events: one writer and one reader for every stream")
struct ServerSentEventTests {
    func parse(_ chunks: [[UInt8]], maxLine: Int = 1 << 20, maxEvent: Int = 1 << 20) throws -> [ServerSentEvent] {
        var parser = ServerSentEventParser(maxLine: maxLine, maxEvent: maxEvent)
        var events: [ServerSentEvent] = []
        for chunk in chunks { events += try parser.feed(chunk) }
        if let last = try parser.finish() { events.append(last) }
        return events
    }

    @Test("CRLF and CR line ends, multi-line data, comments, retry, an event cut at every byte")
    func lineEnds() throws {
        let text = ": keep-alive\r\nretry: 1000\r\n\r\nevent: token\r\ndata: a\r\ndata: b\r\n\r\nid: 7\rdata: {\"x\":1}\r\r"
        let bytes = Array(text.utf8)
        for cut in 0...bytes.count {
            let events = try parse([Array(bytes[..<cut]), Array(bytes[cut...])])
            #expect(events == [ServerSentEvent(event: "token", data: "a\nb"), ServerSentEvent(data: #"{"x":1}"#, id: "7")], "cut at \(cut)")
        }
    }

    @Test("a UTF-8 character split between chunks arrives whole")
    func splitCharacters() throws {
        let text = "data: caf\u{E9} \u{1F680} \u{4E2D}\u{6587}\n\n"
        let bytes = Array(text.utf8)
        // One byte per chunk: every multi-byte character is split.
        let events = try parse(bytes.map { [$0] })
        #expect(events == [ServerSentEvent(data: "caf\u{E9} \u{1F680} \u{4E2D}\u{6587}")])
    }

    @Test("written events read back the same, whatever their data holds")
    func roundTrip() throws {
        let events = [
            ServerSentEvent(event: "log_entry", data: #"{"message":"one"}"#, id: "12"),
            ServerSentEvent(data: "line one\nline two\r\nline three\rend"),
            ServerSentEvent(event: "task_status", data: "", id: "13"),
            ServerSentEvent(event: "end", data: "\n"),
        ]
        let wire = ServerSentEvent.retry(milliseconds: 1000) + ServerSentEvent.comment("keep-alive") + events.map(\.encoded).joined()
        let read = try parse([Array(wire.utf8)])
        #expect(read[0] == ServerSentEvent(event: "log_entry", data: #"{"message":"one"}"#, id: "12"))
        #expect(read[1].data == "line one\nline two\nline three\nend", "every line break becomes LF")
        #expect(read[2] == ServerSentEvent(event: "task_status", data: "", id: "13"))
        #expect(read[3].data == "\n")
        #expect(read.count == 4)
    }

    @Test("a line break in an event name or id cannot start a field of its own")
    func fieldInjection() throws {
        let hostile = ServerSentEvent(event: "status\ndata: forged", data: "real", id: "1\r\nevent: forged")
        #expect(hostile.encoded == "id: 1event: forged\nevent: statusdata: forged\ndata: real\n\n")
        let read = try parse([Array(hostile.encoded.utf8)])
        #expect(read == [ServerSentEvent(event: "statusdata: forged", data: "real", id: "1event: forged")])
    }

    @Test("a line or an event past its cap is refused instead of buffered")
    func caps() throws {
        let longLine = "data: " + String(repeating: "x", count: 200) + "\n\n"
        #expect(throws: ServerSentEventTooLarge.self) { try parse([Array(longLine.utf8)], maxLine: 100) }
        let manyLines = String(repeating: "data: " + String(repeating: "y", count: 50) + "\n", count: 10) + "\n"
        #expect(throws: ServerSentEventTooLarge.self) { try parse([Array(manyLines.utf8)], maxLine: 100, maxEvent: 300) }
        // Under the caps the same shapes pass.
        #expect(try parse([Array(manyLines.utf8)], maxLine: 100, maxEvent: 1000).first?.data.count == 509)
    }
}
