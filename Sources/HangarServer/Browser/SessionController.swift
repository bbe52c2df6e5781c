import Foundation
import HangarErrorText
import HangarBrowser
import HangarCore
import HangarStore
import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix

/// Persistent browser sessions (seed 000's `POST /api/v1/sessions`): a browser kept open, or a
/// Neko connection, that later browser tasks target with `session_id` — log in once, then run
/// several tasks on the same pages and cookies.
///
/// A session lives in the memory of the process that opened it (one with workers: `serve` or
/// `hangar worker`). With a `SessionDirectory` (a shared database), its owner is recorded, tasks
/// for it are claimed only there, and a process without sessions of its own (`serve --workers
/// 0`) places new sessions on a live worker process and forwards every request for a session
/// to its owner's internal listener — which serves these same routes under `/internal/v1`
/// (`forwards == false`). Sessions are closed when idle longer than their `idle_timeout` and at
/// shutdown.
struct SessionController {
    let sessions: BrowserSessionRegistry?
    let directory: SessionDirectory?
    let policy: BrowserPolicy
    let configuration: ServerConfiguration
    /// False on the internal listener: answer from this process only.
    var forwards = true

    func addRoutes(to router: Router<HangarRequestContext>, prefix: String = "/api/v1") {
        router.post("\(prefix)/sessions", use: create)
        router.get("\(prefix)/sessions", use: list)
        router.get("\(prefix)/sessions/{session_id}", use: get)
        router.delete("\(prefix)/sessions/{session_id}", use: delete)
        router.get("\(prefix)/sessions/{session_id}/screenshot", use: screenshot)
    }

    /// `{"environment": {"type": "cdp"} | {"type": "cdp", "devtools_url": …} | {"type": "neko",
    /// "url", "username", "password"}, "screen_resolution": "1280x720", "idle_timeout": 900,
    /// "url": "https://…"}` (every field optional: a local headless Chromium at 1280×720).
    @Sendable func create(_ request: Request, context: HangarRequestContext) async throws -> Response {
        // Kept as sent, to forward when another process opens the session.
        let raw = try await JSONBody.collect(request, limit: configuration.maxBodyBytes)
        let body = try JSONBody.parse(raw, allowEmpty: true)
        try body.requireKnown(["environment", "screen_resolution", "mode", "idle_timeout", "url"])
        let spec = try await environment(body)
        let resolution = try body.fields["screen_resolution"].flatMap { $0.isNull ? nil : $0 }.map(Self.resolution) ?? BrowserInput.defaultResolution
        var mode = BrowserMode.web
        if let text = try body.string("mode", maxLength: 16) {
            guard let parsed = BrowserMode(rawValue: text) else { throw APIError.invalid("mode", "must be web or phone") }
            mode = parsed
        }
        let idleTimeout = try body.double("idle_timeout", in: BrowserSessionRegistry.idleTimeoutRange)
        var startURL: String?
        if let url = try body.string("url", maxLength: 8192) {
            try await policy.checkReachable(url, field: "url")
            startURL = url
        }
        guard let sessions else {
            // No browser here: the request (already checked) goes to the live worker process
            // holding the fewest sessions, which opens and records it.
            guard forwards, let directory else { throw APIError(.serviceUnavailable, "this server keeps no browser sessions") }
            let host = try await directory.placement()
            return try await directory.forward(
                .post, path: "/sessions", body: raw, tenantID: context.tenantID, to: host.internalURL ?? "", processID: host.id, session: nil)
        }
        let session: BrowserSession
        do {
            session = try await sessions.create(tenantID: context.tenantID, spec: spec, resolution: resolution, mode: mode, idleTimeout: idleTimeout)
        } catch let error as HangarError {
            throw error
        } catch {
            throw APIError(.serviceUnavailable, "the browser environment could not be started: \(ErrorText.describe(error))")
        }
        if let startURL {
            do {
                let environment = try await sessions.lease(id: session.id, tenantID: context.tenantID, taskID: "session-start")
                do {
                    try await environment.navigate(to: startURL)
                } catch {
                    await sessions.release(id: session.id, tenantID: context.tenantID)
                    throw error
                }
                await sessions.release(id: session.id, tenantID: context.tenantID)
            } catch {
                try? await sessions.delete(id: session.id, tenantID: context.tenantID)
                throw APIError(.badGateway, "the session could not open \(startURL): \(ErrorText.describe(error))")
            }
        }
        if let directory {
            do {
                try await directory.store.sessionRecord(SessionOwnerParams(id: session.id, tenantID: context.tenantID, processID: directory.processID))
            } catch {
                // Unrecorded, no task could be routed to it: close it rather than keep a browser nobody can use.
                try? await sessions.delete(id: session.id, tenantID: context.tenantID)
                throw error
            }
        }
        return JSONResponse.make(json(try await sessions.get(id: session.id, tenantID: context.tenantID)), status: .created)
    }

    /// The API's shape, naming the owning process when there is a directory.
    private func json(_ session: BrowserSession) -> JSONValue {
        guard let directory, case .object(var fields) = session.json else { return session.json }
        fields["process_id"] = .string(directory.processID)
        return .object(fields)
    }

    @Sendable func list(_ request: Request, context: HangarRequestContext) async throws -> Response {
        var local: [JSONValue] = []
        if let sessions { local = await sessions.list(tenantID: context.tenantID).map(json) }
        guard forwards, let directory else { return JSONResponse.make(["sessions": .array(local)]) }
        // The tenant's sessions held elsewhere, asked of each live owner; a dead owner's are shown lost.
        let owners = try await directory.store.sessionList(tenantID: context.tenantID, liveWithin: directory.liveWithin)
        let localIDs = Set(local.compactMap { $0["session_id"]?.stringValue })
        var listed = local
        for (processID, held) in Dictionary(grouping: owners.filter { $0.processID != directory.processID }, by: \.processID).sorted(by: { $0.key < $1.key }) {
            let ids = Set(held.map(\.sessionID)).subtracting(localIDs)
            guard let first = held.first, !ids.isEmpty else { continue }
            var answered: [JSONValue]?
            if first.alive, let url = first.internalURL,
                let reply = try? await directory.send(.get, path: "/sessions", tenantID: context.tenantID, to: url, processID: processID, session: nil),
                reply.status == 200, let decoded = try? JSONText.decode(String(buffer: reply.body))
            {
                answered = decoded["sessions"]?.arrayValue?.filter { ids.contains($0["session_id"]?.stringValue ?? "") }
            }
            listed += answered ?? held.map { ["session_id": .string($0.sessionID), "status": "lost", "process_id": .string(processID)] }
        }
        return JSONResponse.make(["sessions": .array(listed)])
    }

    @Sendable func get(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("session_id")
        if let remote = try await forwarded(request, id: id, context: context) { return remote }
        guard let sessions else { throw APIError.notFound("session", id) }
        return JSONResponse.make(json(try await sessions.get(id: id, tenantID: context.tenantID)))
    }

    @Sendable func delete(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("session_id")
        if let remote = try await forwarded(request, id: id, context: context) { return remote }
        guard let sessions else { throw APIError.notFound("session", id) }
        try await sessions.delete(id: id, tenantID: context.tenantID)
        try await directory?.store.sessionRemove(id: id)
        return JSONResponse.make(["session_id": .string(id), "status": "closed"])
    }

    /// What the session's screen shows now (a JPEG): a live look at a persistent browser.
    @Sendable func screenshot(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("session_id")
        let quality = try Query(request).int("quality", in: 1...100, default: 80)
        if let remote = try await forwarded(request, id: id, context: context) { return remote }
        guard let sessions else { throw APIError.notFound("session", id) }
        let data: Data
        do {
            data = try await sessions.screenshot(id: id, tenantID: context.tenantID, quality: quality)
        } catch let error as HangarError {
            throw error
        } catch {
            throw APIError(.badGateway, "the session's screen could not be read: \(ErrorText.describe(error))")
        }
        var headers = HTTPFields()
        headers[.contentType] = "image/jpeg"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The owner's answer when another process holds the session; `nil` when this one does (or
    /// there is no directory). A session recorded for a process that stopped is a 503 naming both.
    private func forwarded(_ request: Request, id: String, context: HangarRequestContext) async throws -> Response? {
        guard forwards, let directory else { return nil }
        guard let owner = try await directory.liveOwner(of: id, tenantID: context.tenantID) else {
            if sessions == nil { throw APIError.notFound("session", id) }
            return nil
        }
        guard owner.processID != directory.processID else { return nil }
        let path = request.uri.path.replacingOccurrences(of: "/api/v1", with: "")
        return try await directory.forward(
            request.method, path: path, query: request.uri.query, tenantID: context.tenantID, to: owner.internalURL ?? "",
            processID: owner.processID, session: id)
    }

    /// The environment to start: a local headless Chromium, an operator's named environment
    /// (`"environment": "lab-neko"`), or a remote endpoint the request names — which follows
    /// the network policy. A Chromium binary path is never taken from a request.
    private func environment(_ body: JSONBody) async throws -> EnvironmentSpec {
        guard let value = body.fields["environment"], !value.isNull else { return .cdp(chromePath: nil, devtoolsURL: nil) }
        if value.stringValue != nil || value["name"] != nil {
            return try await policy.resolve(EnvironmentSpec.Config.parse(value, field: "environment"), field: "environment") { _ in "" }
        }
        guard case .object(let fields) = value else { throw APIError.invalid("environment", "must be a name or an object with a 'type' (cdp or neko)") }
        func string(_ key: String) throws -> String? {
            guard let item = fields[key], !item.isNull else { return nil }
            guard let text = item.stringValue, !text.isEmpty, text.utf8.count <= 2048 else {
                throw APIError.invalid("environment.\(key)", "must be a non-empty string of at most 2048 bytes")
            }
            return text
        }
        switch fields["type"]?.stringValue ?? "cdp" {
        case "cdp":
            // Shape (and chrome_path's refusal) as an agent's config; reachability from the policy.
            return try await policy.resolve(EnvironmentSpec.Config.parse(value, field: "environment"), field: "environment") { _ in "" }
        case "neko":
            guard let url = try string("url") else { throw APIError.invalid("environment.url", "is required: the Neko server's URL") }
            try await policy.checkReachable(url, field: "environment.url")
            guard let username = try string("username") else { throw APIError.invalid("environment.username", "is required") }
            guard let password = try string("password") else { throw APIError.invalid("environment.password", "is required") }
            return .neko(url: url, username: username, password: password)
        default:
            throw APIError.invalid("environment.type", "must be cdp or neko")
        }
    }

    /// `"1280x720"` or `{"width", "height"}`, with the same limits as a task's.
    private static func resolution(_ value: JSONValue) throws -> ScreenSize {
        do {
            return try BrowserInput.resolution(value)
        } catch {
            throw APIError.invalid("screen_resolution", "must be \"WIDTHxHEIGHT\" (e.g. \"1280x720\") or {width, height}, within 320x240…7680x4320")
        }
    }
}
