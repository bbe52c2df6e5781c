import AsyncHTTPClient
import HangarSSE
import NIOCore

extension HTTPClientResponse.Body {
    /// Server-sent events (OpenAI's and MCP's streaming format).
    func serverSentEvents() -> AsyncThrowingStream<ServerSentEvent, any Error> {
        let body = self
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    var parser = ServerSentEventParser()
                    for try await chunk in body {
                        for event in try parser.feed(chunk.readableBytesView) { continuation.yield(event) }
                    }
                    if let last = try parser.finish() { continuation.yield(last) }
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
