import AsyncHTTPClient
import Foundation
import HangarCore
import HangarSSE
import Logging
import MCP
import NIOCore
import NIOHTTP1

/// MCP's streamable HTTP transport (spec 2025-11-25) on AsyncHTTPClient: each JSON-RPC
/// message is a POST; the answer comes back as JSON or as an SSE stream, and the
/// `MCP-Session-Id` the server assigns is sent on every later request. (The SDK's own
/// `HTTPClientTransport` cannot read SSE answers on Linux, which stateful servers send.)
actor StreamableHTTPTransport: Transport {
    nonisolated let logger: Logger
    let endpoint: String
    let headers: [String: String]
    let client: HTTPClient
    let timeout: Duration
    private var sessionID: String?
    private var protocolVersion: String?
    private var pumps: [Task<Void, Never>] = []
    private let incoming: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation

    init(endpoint: String, headers: [String: String], client: HTTPClient, timeout: Duration, logger: Logger) {
        self.endpoint = endpoint
        self.headers = headers
        self.client = client
        self.timeout = timeout
        self.logger = logger
        (incoming, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
    }

    func connect() async throws {}

    func disconnect() async {
        for pump in pumps { pump.cancel() }
        pumps.removeAll()
        if let sessionID {
            var request = HTTPClientRequest(url: endpoint)
            request.method = .DELETE
            request.headers.add(name: "MCP-Session-Id", value: sessionID)
            _ = try? await client.execute(request, timeout: .seconds(5))
        }
        continuation.finish()
    }

    func send(_ data: Data) async throws {
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json, text/event-stream")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let sessionID { request.headers.add(name: "MCP-Session-Id", value: sessionID) }
        if let protocolVersion { request.headers.add(name: "MCP-Protocol-Version", value: protocolVersion) }
        request.body = .bytes(ByteBuffer(bytes: data))
        let response = try await client.execute(request, timeout: .seconds(Int64(max(1, timeout.seconds))))
        if let id = response.headers.first(name: "mcp-session-id") { sessionID = id }
        guard (200..<300).contains(response.status.code) else {
            let body = (try? await response.body.collect(upTo: 64 * 1024)).map { String(buffer: $0) } ?? ""
            throw MCPError.internalError("MCP server answered HTTP \(response.status.code): \(body.prefix(300))")
        }
        if response.status.code == 202 { return }
        let contentType = response.headers.first(name: "content-type")?.lowercased() ?? ""
        if contentType.contains("text/event-stream") {
            // Read the stream apart from `send`, which the client awaits before it listens.
            let continuation = continuation
            pumps.append(
                Task {
                    do {
                        for try await event in response.body.serverSentEvents() where event.event == "message" && !event.data.isEmpty {
                            continuation.yield(Data(event.data.utf8))
                        }
                    } catch {
                        self.logger.debug("MCP event stream ended", metadata: ["error": "\(error)"])
                    }
                })
        } else {
            let body = try await response.body.collect(upTo: 16 << 20)
            let bytes = Data(body.readableBytesView)
            noteProtocolVersion(bytes)
            if !bytes.isEmpty { continuation.yield(bytes) }
        }
    }

    func receive() -> AsyncThrowingStream<Data, any Error> { incoming }

    /// The version the server chose in its `initialize` answer, sent back on later requests.
    private func noteProtocolVersion(_ data: Data) {
        guard protocolVersion == nil, let json = try? JSONText.decode(bytes: Array(data)),
            let version = json["result"]?["protocolVersion"]?.stringValue
        else { return }
        protocolVersion = version
    }
}
