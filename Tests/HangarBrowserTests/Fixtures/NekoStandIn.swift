import Foundation
import HTTPTypes
import HangarBrowser
import HangarCore
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// A Neko v3 server as far as the agent sees one: `POST /api/login` (token in the body and
/// the `NEKO_SESSION` cookie), `/api/ws?token=` (`system/init`, a heartbeat, `control/host`
/// on `control/request`), and the admin-only `shot.jpg`. Records every event it receives.
actor NekoStandIn {
    struct Member: Sendable {
        var password: String
        var token: String
        var isAdmin: Bool
    }

    static let sessionId = "s-agent"
    /// A tiny stand-in for a JPEG: start and end of image around some payload.
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0xFF, 0xD9]

    let members: [String: Member]
    /// v3 with cookies enabled (the default) keeps the token out of the login body.
    let tokenInBody: Bool
    /// false: a person ("s-human") hosts and keeps control; v3 forwards our request to them.
    let grantsControl: Bool
    private(set) var received: [NekoEvent] = []
    private(set) var screenshotQualities: [String] = []
    /// Login requests that reached the server, whatever their outcome.
    private(set) var logins = 0

    init(tokenInBody: Bool = true, grantsControl: Bool = true) {
        self.tokenInBody = tokenInBody
        self.grantsControl = grantsControl
        members = [
            "admin": Member(password: "neko-admin", token: "tok+en/admin=", isAdmin: true),
            "viewer": Member(password: "neko", token: "viewer-token", isAdmin: false),
        ]
    }

    func record(_ event: NekoEvent) { received.append(event) }
    func recordShot(_ quality: String) { screenshotQualities.append(quality) }

    func member(token: String?) -> Member? {
        members.values.first { $0.token == token }
    }

    /// Received events other than heartbeats.
    var actions: [NekoEvent] { received.filter { $0.event != NekoEvent.Name.clientHeartbeat } }

    /// Waits until `count` non-heartbeat events arrived (or 5 s pass), returning them all.
    func waitForActions(_ count: Int) async -> [NekoEvent] {
        let deadline = ContinuousClock.now + .seconds(5)
        while actions.count < count, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        return actions
    }

    func clear() { received.removeAll() }

    /// Runs the server on a free loopback port for the duration of `body`.
    func serve<T: Sendable>(_ body: @Sendable (_ baseURL: String) async throws -> T) async throws -> T {
        let router = Router()
        router.post("api/login") { request, _ in try await self.login(request) }
        router.get("api/room/screen/shot.jpg") { request, _ in await self.screenshot(request) }
        let sockets = Router(context: BasicWebSocketRequestContext.self)
        sockets.ws("api/ws") { _, _ in .upgrade() } onUpgrade: { inbound, outbound, context in
            try await self.session(inbound, outbound, token: context.request.uri.queryParameters.get("token"))
        }
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, server: .http1WebSocketUpgrade(webSocketRouter: sockets),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) })
        let server = Task { try await app.runService() }
        var port = 0
        for await value in ports {
            port = value
            break
        }
        do {
            let result = try await body("http://127.0.0.1:\(port)")
            server.cancel()
            _ = await server.result
            return result
        } catch {
            server.cancel()
            _ = await server.result
            throw error
        }
    }

    private func login(_ request: Request) async throws -> Response {
        logins += 1
        let body = try await request.body.collect(upTo: 1 << 16)
        let json = try? JSONText.decode(String(buffer: body))
        guard let username = json?["username"]?.stringValue, let member = members[username],
            json?["password"]?.stringValue == member.password
        else {
            return Self.json(.unauthorized, ["message": "invalid username or password"])
        }
        var payload: [String: JSONValue] = ["id": .string(Self.sessionId), "profile": ["name": .string(username), "is_admin": .bool(member.isAdmin)]]
        if tokenInBody { payload["token"] = .string(member.token) }
        var response = Self.json(.ok, .object(payload))
        response.headers[.setCookie] = "NEKO_SESSION=\(member.token); Path=/; HttpOnly; SameSite=Lax"
        return response
    }

    private func screenshot(_ request: Request) -> Response {
        let bearer = request.headers[.authorization].map { $0.replacingOccurrences(of: "Bearer ", with: "") }
        guard let member = member(token: bearer) else { return Self.json(.unauthorized, ["message": "invalid token"]) }
        guard member.isAdmin else { return Self.json(.forbidden, ["message": "admins only"]) }
        recordShot(request.uri.queryParameters.get("quality") ?? "")
        return Response(status: .ok, headers: [.contentType: "image/jpeg"], body: .init(byteBuffer: ByteBuffer(bytes: Self.jpeg)))
    }

    private func session(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, token: String?) async throws {
        func send(_ event: String, _ payload: JSONValue) async throws {
            try await outbound.write(.text(JSONText.encode(NekoEvent(event, payload).json)))
        }
        guard member(token: token) != nil else {
            try await send(NekoEvent.Name.systemDisconnect, ["message": "invalid token"])
            return
        }
        try await send(
            NekoEvent.Name.systemInit,
            [
                "session_id": .string(Self.sessionId),
                "control_host": grantsControl
                    ? ["id": .string(Self.sessionId), "has_host": false]
                    : ["id": .string(Self.sessionId), "has_host": true, "host_id": "s-human"],
                "screen_size": ["width": 1280, "height": 720, "rate": 30], "sessions": [:], "touch_events": false,
                "screencast_enabled": false, "webrtc": ["videos": []],
            ])
        try await send(NekoEvent.Name.systemHeartbeat, .null)
        for try await message in inbound.messages(maxSize: 1 << 20) {
            guard case .text(let text) = message, let json = try? JSONText.decode(text), let event = NekoEvent(json: json) else { continue }
            record(event)
            if event.event == NekoEvent.Name.controlRequest, grantsControl {
                try await send(NekoEvent.Name.controlHost, ["id": .string(Self.sessionId), "has_host": true, "host_id": .string(Self.sessionId)])
            }
        }
    }

    private static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: JSONText.encode(value))))
    }
}
