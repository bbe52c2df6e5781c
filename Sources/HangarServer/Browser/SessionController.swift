import Foundation
import HangarErrorText
import HangarBrowser
import HangarCore
import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix

/// Persistent browser sessions (seed 000's `POST /api/v1/sessions`): a browser kept open, or a
/// Neko connection, that later browser tasks target with `session_id` — log in once, then run
/// several tasks on the same pages and cookies.
///
/// Sessions live in this process (`hangar serve`, whose workers run the tasks that use them);
/// they are closed when idle longer than their `idle_timeout` and at shutdown.
struct SessionController {
    let sessions: BrowserSessionRegistry
    let policy: BrowserPolicy
    let configuration: ServerConfiguration

    func addRoutes(to router: Router<HangarRequestContext>) {
        router.post("/api/v1/sessions", use: create)
        router.get("/api/v1/sessions", use: list)
        router.get("/api/v1/sessions/{session_id}", use: get)
        router.delete("/api/v1/sessions/{session_id}", use: delete)
        router.get("/api/v1/sessions/{session_id}/screenshot", use: screenshot)
    }

    /// `{"environment": {"type": "cdp"} | {"type": "cdp", "devtools_url": …} | {"type": "neko",
    /// "url", "username", "password"}, "screen_resolution": "1280x720", "idle_timeout": 900,
    /// "url": "https://…"}` (every field optional: a local headless Chromium at 1280×720).
    @Sendable func create(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, accepting: ["environment", "screen_resolution", "mode", "idle_timeout", "url"], allowEmpty: true)
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
        return JSONResponse.make(try await sessions.get(id: session.id, tenantID: context.tenantID).json, status: .created)
    }

    @Sendable func list(_ request: Request, context: HangarRequestContext) async throws -> Response {
        JSONResponse.make(["sessions": .array(await sessions.list(tenantID: context.tenantID).map(\.json))])
    }

    @Sendable func get(_ request: Request, context: HangarRequestContext) async throws -> Response {
        JSONResponse.make(try await sessions.get(id: try context.parameters.require("session_id"), tenantID: context.tenantID).json)
    }

    @Sendable func delete(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let id = try context.parameters.require("session_id")
        try await sessions.delete(id: id, tenantID: context.tenantID)
        return JSONResponse.make(["session_id": .string(id), "status": "closed"])
    }

    /// What the session's screen shows now (a JPEG): a live look at a persistent browser.
    @Sendable func screenshot(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let id = try context.parameters.require("session_id")
        let quality = try Query(request).int("quality", in: 1...100, default: 80)
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
