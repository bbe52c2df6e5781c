import AsyncHTTPClient
import Foundation
import HangarAgents
import HangarBrowser
import HangarCore
import HangarErrorText
public import HangarStore
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

/// Where persistent sessions live in a deployment of several processes: each session is in the
/// memory of the process that opened it (its owner, recorded in `ProcessStore`). This process's
/// id, how long a silent process still counts as alive, and how to reach another process's
/// internal listener (`/internal/v1/sessions…`, authenticated with a key derived from
/// `HANGAR_SECRET_KEY`, which every process of a deployment shares).
public struct SessionDirectory: Sendable {
    public let store: any ProcessStore
    public let processID: String
    public let liveWithin: Duration
    /// Sent as `X-Hangar-Internal-Key`; the internal listener accepts only this.
    let internalKey: String
    /// Forwarded requests wait this long for the owner (opening a session may load a page).
    let timeout: TimeAmount

    public static let keyHeader = HTTPField.Name("X-Hangar-Internal-Key")!
    public static let tenantHeader = HTTPField.Name("X-Hangar-Tenant")!
    /// The purpose the internal key is derived for (`SecretBox.derivedKey(purpose:)`).
    public static let keyPurpose = "hangar.internal.sessions.v1"

    public init(store: any ProcessStore, processID: String, liveWithin: Duration, internalKey: String, timeout: Duration = .seconds(120)) {
        self.store = store
        self.processID = processID
        self.liveWithin = liveWithin
        self.internalKey = internalKey
        self.timeout = .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000)
    }

    /// The session's owner; 404 when the tenant has none such, 503 naming the owner when it is gone.
    func liveOwner(of id: String, tenantID: String) async throws -> SessionOwner? {
        guard let owner = try await store.sessionOwner(tenantID: tenantID, id: id, liveWithin: liveWithin) else { return nil }
        guard owner.alive || owner.processID == processID else { throw Self.ownerGone(owner) }
        return owner
    }

    static func ownerGone(_ owner: SessionOwner) -> APIError {
        let seen = owner.heartbeatAt.map { " (last heartbeat \(Timestamp.format($0)))" } ?? ""
        return APIError(
            .serviceUnavailable,
            "session '\(owner.sessionID)' lived in process '\(owner.processID)', which stopped answering\(seen): the session is lost; create a new one")
    }

    /// A live process that can host a new session (an internal listener), the one holding fewest.
    func placement() async throws -> ProcessRecord {
        let hosts = try await store.processList(liveWithin: liveWithin).filter { $0.internalURL != nil && $0.id != processID }
        guard let best = hosts.min(by: { ($0.sessions, $0.startedAt, $0.id) < ($1.sessions, $1.startedAt, $1.id) }) else {
            throw APIError(
                .serviceUnavailable,
                "no process can host a browser session: this one runs no workers (--workers 0) and no `hangar worker` process is alive")
        }
        return best
    }

    /// Sends the request on to `process`'s internal listener and returns its answer as it is
    /// (JSON errors included). `path` is below `/internal/v1`.
    func forward(
        _ method: HTTPRequest.Method, path: String, query: String? = nil, body: ByteBuffer? = nil, tenantID: String, to url: String,
        processID: String, session: String?
    ) async throws -> Response {
        let reply = try await send(method, path: path, query: query, body: body, tenantID: tenantID, to: url, processID: processID, session: session)
        return Response(status: .init(code: reply.status), headers: reply.headers, body: ResponseBody(byteBuffer: reply.body))
    }

    func send(
        _ method: HTTPRequest.Method, path: String, query: String? = nil, body: ByteBuffer? = nil, tenantID: String, to url: String,
        processID: String, session: String?
    ) async throws -> (status: Int, headers: HTTPFields, body: ByteBuffer) {
        var target = url.hasSuffix("/") ? String(url.dropLast()) : url
        target += "/internal/v1" + path
        if let query, !query.isEmpty { target += "?" + query }
        var request = HTTPClientRequest(url: target)
        request.method = NIOHTTP1.HTTPMethod(rawValue: method.rawValue)
        request.headers.add(name: Self.keyHeader.rawName, value: internalKey)
        request.headers.add(name: Self.tenantHeader.rawName, value: tenantID)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        do {
            let response = try await Self.client.execute(request, timeout: timeout)
            let bytes = try await response.body.collect(upTo: 64 << 20)
            var headers = HTTPFields()
            for name in ["Content-Type", "Cache-Control", "Retry-After"] {
                if let value = response.headers.first(name: name), let field = HTTPField.Name(name) { headers[field] = value }
            }
            return (Int(response.status.code), headers, bytes)
        } catch {
            let what = session.map { "session '\($0)' is held by process '\(processID)'" } ?? "process '\(processID)'"
            throw APIError(.serviceUnavailable, "\(what), which did not answer at \(url): \(ErrorText.describe(error))")
        }
    }

    /// A GET forwarded with its body streamed back as it arrives (a narration's live audio); the
    /// owner's status and headers pass through. `duration` bounds the whole exchange.
    func stream(path: String, query: String?, tenantID: String, to url: String, processID: String, what: String, duration: Duration) async throws -> Response {
        var target = url.hasSuffix("/") ? String(url.dropLast()) : url
        target += "/internal/v1" + path
        if let query, !query.isEmpty { target += "?" + query }
        var request = HTTPClientRequest(url: target)
        request.headers.add(name: Self.keyHeader.rawName, value: internalKey)
        request.headers.add(name: Self.tenantHeader.rawName, value: tenantID)
        let response: HTTPClientResponse
        do {
            response = try await Self.client.execute(request, timeout: .nanoseconds(Int64(duration.components.seconds) * 1_000_000_000))
        } catch {
            throw APIError(.serviceUnavailable, "\(what) is in process '\(processID)', which did not answer at \(url): \(ErrorText.describe(error))")
        }
        var headers = HTTPFields()
        let hopByHop: Set<String> = ["connection", "transfer-encoding", "content-length", "date", "server", "keep-alive"]
        for header in response.headers where !hopByHop.contains(header.name.lowercased()) {
            if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
        }
        let upstream = response.body
        let body = ResponseBody { writer in
            for try await chunk in upstream { try await writer.write(chunk) }
            try await writer.finish(nil)
        }
        return Response(status: .init(code: Int(response.status.code)), headers: headers, body: body)
    }

    /// Forwarded requests: to other processes of the deployment, never redirected; a dead owner
    /// is reported at once (no connection retries).
    static let client = ProviderConfiguration.makeHTTPClient(followRedirects: false)
}
