import AsyncHTTPClient
import Foundation
import HangarCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// `http_request`: one HTTP request to a public host on the allow list. Every target —
/// the first and each redirect — is checked against the network policy (resolved
/// addresses included) and connected to at the address checked (`PinnedClient`), so the
/// tool cannot be aimed inside the network, not even by DNS rebinding; bodies are cut at
/// the size limit.
struct HTTPRequestTool: AgentTool {
    let environment: ToolEnvironment
    static let maxRedirects = 5
    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    var spec: ToolSpec {
        ToolSpec(
            name: "http_request",
            description: "Make an HTTP request to a public web address and return the status, headers and body (text, truncated when large).",
            parameters: [
                "type": "object",
                "properties": [
                    "method": ["type": "string", "enum": ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"], "default": "GET"],
                    "url": ["type": "string", "description": "http(s) URL"],
                    "headers": ["type": "object", "additionalProperties": ["type": "string"]],
                    "body": ["type": "string", "description": "request body (for POST, PUT, PATCH)"],
                ],
                "required": ["url"],
            ])
    }

    func call(_ arguments: JSONValue) async throws -> ToolOutput {
        guard var url = arguments["url"]?.stringValue else { return ToolOutput(text: "argument 'url' (string) is required", isError: true) }
        var method = (arguments["method"]?.stringValue ?? "GET").uppercased()
        guard Self.methods.contains(method) else { return ToolOutput(text: "method '\(method)' is not allowed", isError: true) }
        var body = arguments["body"]?.stringValue
        for redirect in 0...Self.maxRedirects {
            let pinned: PinnedClient
            do {
                pinned = try await PinnedClient.make(for: url, policy: environment.network, resolve: environment.resolve)
            } catch let refused as PinnedClient.Refused {
                throw TaskFailure(code: "network_refused", message: "http_request refused: \(refused.reason)", retryable: false)
            }
            defer { Task { await pinned.shutdown() } }
            var request = HTTPClientRequest(url: url)
            request.method = HTTPMethod(rawValue: method)
            for (name, value) in arguments["headers"]?.objectValue ?? [:] {
                if let value = value.stringValue, name.lowercased() != "host" { request.headers.add(name: name, value: value) }
            }
            if let body, ["POST", "PUT", "PATCH", "DELETE"].contains(method) { request.body = .bytes(ByteBuffer(string: body)) }
            let response = try await pinned.client.execute(request, timeout: .seconds(Int64(environment.stepTimeout.seconds)))
            if [301, 302, 303, 307, 308].contains(response.status.code), let location = response.headers.first(name: "location"),
                let next = URL(string: location, relativeTo: URL(string: url))?.absoluteString
            {
                guard redirect < Self.maxRedirects else { break }
                url = next
                if response.status.code == 303 || ([301, 302].contains(response.status.code) && method == "POST") {
                    method = "GET"
                    body = nil
                }
                continue
            }
            var collected = ByteBuffer()
            var truncated = false
            for try await chunk in response.body {
                let room = environment.maxResponseBytes - collected.readableBytes
                if chunk.readableBytes > room {
                    var piece = chunk
                    if room > 0, let slice = piece.readSlice(length: room) { collected.writeImmutableBuffer(slice) }
                    truncated = true
                    break
                }
                collected.writeImmutableBuffer(chunk)
            }
            var headers: [String: JSONValue] = [:]
            for (name, value) in response.headers where ["content-type", "content-length", "location", "date"].contains(name.lowercased()) {
                headers[name.lowercased()] = .string(value)
            }
            let result: JSONValue = [
                "status": .int(Int64(response.status.code)), "url": .string(url), "headers": .object(headers),
                "body": .string(String(decoding: collected.readableBytesView, as: UTF8.self)), "truncated": .bool(truncated),
            ]
            return ToolOutput(text: JSONText.encode(result), isError: response.status.code >= 400)
        }
        return ToolOutput(text: "too many redirects (more than \(Self.maxRedirects))", isError: true)
    }
}
