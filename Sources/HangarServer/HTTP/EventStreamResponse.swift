import HangarCore
import HangarSSE
import HTTPTypes
import Hummingbird
import NIOCore

/// Every `text/event-stream` response Hangar sends (task events, logs, chat replies, model
/// pulls) is written through these, so framing lives in one place (`HangarSSE`).
extension ServerSentEvent {
    /// An event whose data is one JSON document.
    init(_ event: String, json: JSONValue, id: Int64? = nil) {
        self.init(event: event, data: JSONText.encode(json), id: id.map(String.init))
    }
}

extension ResponseBodyWriter {
    mutating func write(_ event: ServerSentEvent) async throws {
        try await write(ByteBuffer(string: event.encoded))
    }

    /// A comment that keeps an idle stream (and the proxies on its way) open.
    mutating func writeKeepAlive() async throws {
        try await write(ByteBuffer(string: ServerSentEvent.comment("keep-alive")))
    }

    /// Asks the client to reconnect after `milliseconds` when the stream drops.
    mutating func writeRetry(milliseconds: Int = 1000) async throws {
        try await write(ByteBuffer(string: ServerSentEvent.retry(milliseconds: milliseconds)))
    }
}

extension Response {
    /// A streamed `text/event-stream` response: not cached, not buffered by proxies (nginx
    /// honours `X-Accel-Buffering`), so each event reaches the client as it is written.
    static func eventStream(_ body: ResponseBody) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no"],
            body: body)
    }
}
