import AsyncHTTPClient
import HangarErrorText
import Foundation
import HangarCore
import NIOCore
import NIOHTTP1

/// Where to find a Chrome to attach to: its HTTP debugging address (`http://host:9222`) or a
/// DevTools WebSocket (`ws://…/devtools/browser/…` or `…/devtools/page/…`). Only attach mode
/// uses it: browsers Hangar launches speak over a pipe. Our WebSocket client sends the Origin
/// `ws://HOST` of the socket URL, which the remote Chrome must allow with
/// `--remote-allow-origins=ws://HOST`.
public enum DevToolsEndpoint {

    /// The WebSocket to open for `address`: `ws://` URLs as given; for `http(s)://` the
    /// browser socket from `GET /json/version`, re-pointed at the host and port we reached
    /// (Chrome reports its own view, e.g. `127.0.0.1` inside a container).
    public static func webSocketURL(for address: String, timeout: Duration = .seconds(10), client: HTTPClient = .shared) async throws -> String {
        let trimmed = address.trimmingCharacters(in: .whitespaces)
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), url.host != nil else {
            throw CDPError.connectFailed(url: address, reason: "not a URL")
        }
        switch scheme {
        case "ws", "wss":
            return trimmed
        case "http", "https":
            let base = trimmed.hasSuffix("/") ? String(trimmed.dropLast()) : trimmed
            let version = try await getJSON(base + "/json/version", timeout: timeout, client: client)
            guard let socket = version["webSocketDebuggerUrl"]?.stringValue, var components = URLComponents(string: socket) else {
                throw CDPError.malformedReply(method: "GET /json/version", detail: "no webSocketDebuggerUrl")
            }
            components.scheme = scheme == "https" ? "wss" : "ws"
            components.host = url.host
            components.port = url.port
            guard let rewritten = components.string else {
                throw CDPError.malformedReply(method: "GET /json/version", detail: "bad webSocketDebuggerUrl \(socket)")
            }
            return rewritten
        default:
            throw CDPError.connectFailed(url: address, reason: "expected http(s):// or ws(s)://")
        }
    }

    /// A page socket (`/devtools/page/…`) drives one tab directly; a browser socket needs a
    /// target attached with `flatten: true`.
    static func isPageSocket(_ url: String) -> Bool {
        url.contains("/devtools/page/")
    }

    static func getJSON(_ url: String, timeout: Duration, client: HTTPClient = .shared) async throws -> JSONValue {
        let request = HTTPClientRequest(url: url)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.seconds * 1e9)))
        } catch {
            throw CDPError.connectFailed(url: url, reason: ErrorText.describe(error))
        }
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else {
            throw CDPError.connectFailed(url: url, reason: "HTTP \(response.status.code): \(String(buffer: body))")
        }
        do {
            return try JSONText.decode(bytes: Array(buffer: body))
        } catch {
            throw CDPError.malformedReply(method: "GET \(url)", detail: "not JSON")
        }
    }
}
