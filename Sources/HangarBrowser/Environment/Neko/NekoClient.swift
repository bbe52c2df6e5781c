import AsyncHTTPClient
import HangarErrorText
import Foundation
import HangarCore
import HangarTimers
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization

/// A member session on a Neko v3 server: REST login, the `/api/ws` event socket (init,
/// heartbeats, host control, input events, chat) and admin screenshots.
public final class NekoClient: Sendable {
    public struct Configuration: Sendable {
        /// `http(s)://host:port` of the Neko server (no trailing `/api`).
        public var baseURL: String
        public var username: String
        public var password: String
        /// v3's session cookie, where the token lives when cookies are enabled (the default).
        public var cookieName: String
        public var requestTimeout: Duration
        /// Login to `system/init`, and `control/request` to `control/host`.
        public var connectTimeout: Duration
        /// Through an egress proxy (a server a tenant named); nil connects directly.
        public var route: EgressRoute?

        var http: HTTPClient { route?.http ?? .shared }

        public init(
            baseURL: String, username: String, password: String, cookieName: String = "NEKO_SESSION",
            requestTimeout: Duration = .seconds(15), connectTimeout: Duration = .seconds(10), route: EgressRoute? = nil
        ) {
            self.route = route
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.username = username
            self.password = password
            self.cookieName = cookieName
            self.requestTimeout = requestTimeout
            self.connectTimeout = connectTimeout
        }
    }

    private struct State {
        var sessionId: String?
        var hostId: String?
        var screen: ScreenSize?
        var closedReason: String?
    }

    private let fanOut = EventFanOut<NekoEvent>()

    public let configuration: Configuration
    public let token: String
    private let logger: Logger
    private let state = Mutex(State())
    private let initialized = OneShot<Void>()
    private let socket = Mutex<TextWebSocket?>(nil)

    private init(configuration: Configuration, token: String, logger: Logger) {
        self.configuration = configuration
        self.token = token
        self.logger = logger
    }

    deinit {
        socket.withLock { $0 }?.cancel()
    }

    /// Logs in, opens the event socket and waits for `system/init`.
    public static func connect(_ configuration: Configuration, logger: Logger = Logger(label: "hangar.neko")) async throws -> NekoClient {
        let token = try await login(configuration)
        let client = NekoClient(configuration: configuration, token: token, logger: logger)
        try await client.open()
        return client
    }

    // MARK: - REST

    /// `POST /api/login {"username", "password"}` → the token from the body, or from the
    /// session cookie when the server keeps tokens out of bodies.
    static func login(_ configuration: Configuration) async throws -> String {
        var request = HTTPClientRequest(url: configuration.baseURL + "/api/login")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let body = JSONText.encode(["username": .string(configuration.username), "password": .string(configuration.password)])
        request.body = .bytes(ByteBuffer(string: body))
        let response: HTTPClientResponse
        do {
            response = try await configuration.http.execute(request, timeout: .nanoseconds(Int64(configuration.requestTimeout.seconds * 1e9)))
        } catch {
            throw NekoError.connectFailed(reason: "POST /api/login: \(ErrorText.describe(error))")
        }
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let text = String(buffer: bytes)
        switch response.status.code {
        case 200..<300:
            break
        case 401:
            throw NekoError.loginFailed(status: 401, detail: "wrong username or password")
        case 403:
            throw NekoError.loginFailed(status: 403, detail: Self.message(in: text) ?? "logins are locked")
        case 422:
            throw NekoError.loginFailed(status: 422, detail: Self.message(in: text) ?? "session already connected")
        default:
            throw NekoError.loginFailed(status: Int(response.status.code), detail: Self.message(in: text) ?? text)
        }
        if let token = (try? JSONText.decode(text))?["token"]?.stringValue, !token.isEmpty { return token }
        for header in response.headers["Set-Cookie"] {
            if let token = cookie(configuration.cookieName, in: header) { return token }
        }
        throw NekoError.noToken
    }

    /// `name=value` from a `Set-Cookie` header (attributes after `;` ignored).
    static func cookie(_ name: String, in header: String) -> String? {
        guard let pair = header.split(separator: ";", maxSplits: 1).first else { return nil }
        let parts = pair.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name else { return nil }
        let value = parts[1].trimmingCharacters(in: .whitespaces)
        return value.isEmpty ? nil : value
    }

    /// v3 errors are `{"message": "…"}`.
    static func message(in body: String) -> String? {
        (try? JSONText.decode(body))?["message"]?.stringValue
    }

    /// `GET /api/room/screen/shot.jpg?quality=…` (admins only in v3).
    public func screenshot(quality: Int) async throws -> Data {
        let path = "/api/room/screen/shot.jpg"
        var request = HTTPClientRequest(url: configuration.baseURL + path + "?quality=\(min(max(quality, 1), 100))")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Cookie", value: "\(configuration.cookieName)=\(token)")
        let response: HTTPClientResponse
        do {
            response = try await configuration.http.execute(request, timeout: .nanoseconds(Int64(configuration.requestTimeout.seconds * 1e9)))
        } catch {
            throw NekoError.connectFailed(reason: "GET \(path): \(ErrorText.describe(error))")
        }
        let body = try await response.body.collect(upTo: 1 << 26)
        switch response.status.code {
        case 200..<300:
            return Data(buffer: body)
        case 401, 403:
            throw NekoError.screenshotForbidden(status: Int(response.status.code))
        default:
            let text = String(buffer: body)
            throw NekoError.httpError(path: path, status: Int(response.status.code), detail: Self.message(in: text) ?? text)
        }
    }

    // MARK: - WebSocket

    static func webSocketURL(base: String, token: String) throws -> String {
        guard var components = URLComponents(string: base), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https"
        else { throw NekoError.badURL(base) }
        components.scheme = scheme == "https" ? "wss" : "ws"
        components.path = (components.path.hasSuffix("/") ? String(components.path.dropLast()) : components.path) + "/api/ws"
        components.queryItems = [URLQueryItem(name: "token", value: token)]
        // `+` and `/` in a token must survive query decoding.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        guard let url = components.string else { throw NekoError.badURL(base) }
        return url
    }

    private func open() async throws {
        let url = try Self.webSocketURL(base: configuration.baseURL, token: token)
        let socket: TextWebSocket
        do {
            socket = try await TextWebSocket.connect(
                url: url, timeout: configuration.connectTimeout, logger: logger, proxyPort: configuration.route?.proxyPort,
                onText: { [weak self] text in self?.receive(text) },
                onClose: { [weak self] reason in self?.closed(reason: reason) })
        } catch {
            throw NekoError.connectFailed(reason: ErrorText.describe(error))
        }
        self.socket.withLock { $0 = socket }
        let timeout = configuration.connectTimeout
        let timer = Task { [initialized] in
            try? await Timers.sleep(for: timeout)
            initialized.fail(NekoError.notInitialized(seconds: timeout.seconds))
        }
        defer { timer.cancel() }
        do {
            try await initialized.value()
        } catch {
            await socket.close()
            throw error
        }
    }

    private func receive(_ text: String) {
        guard let json = try? JSONText.decode(text), let event = NekoEvent(json: json) else {
            logger.debug("Neko: ignoring a frame that is not an event")
            return
        }
        let payload = event.payload ?? .null
        switch event.event {
        case NekoEvent.Name.systemInit:
            state.withLock { state in
                state.sessionId = payload["session_id"]?.stringValue
                let host = payload["control_host"]
                state.hostId = host?["has_host"]?.boolValue == true ? host?["host_id"]?.stringValue : nil
                state.screen = Self.screenSize(payload["screen_size"])
            }
            initialized.succeed(())
        case NekoEvent.Name.systemHeartbeat:
            // v3 sends this every 10 s next to a WebSocket ping; its own client answers so.
            try? send(NekoEvent(NekoEvent.Name.clientHeartbeat))
        case NekoEvent.Name.controlHost:
            state.withLock { state in
                state.hostId = payload["has_host"]?.boolValue == true ? payload["host_id"]?.stringValue : nil
            }
        case NekoEvent.Name.screenUpdated:
            if let size = Self.screenSize(payload) { state.withLock { $0.screen = size } }
        case NekoEvent.Name.systemDisconnect:
            closed(reason: payload["message"]?.stringValue ?? "disconnected by the server")
        default:
            break
        }
        fanOut.yield(event)
    }

    static func screenSize(_ value: JSONValue?) -> ScreenSize? {
        guard let width = value?["width"]?.intValue, let height = value?["height"]?.intValue, width > 0, height > 0 else {
            return nil
        }
        return ScreenSize(width: width, height: height)
    }

    private func closed(reason: String) {
        state.withLock { state in
            if state.closedReason == nil { state.closedReason = reason }
        }
        fanOut.finish()
        initialized.fail(NekoError.disconnected(reason: reason))
    }

    // MARK: - Session state

    public var sessionId: String? { state.withLock { $0.sessionId } }
    public var hostId: String? { state.withLock { $0.hostId } }
    public var isHost: Bool { state.withLock { $0.sessionId != nil && $0.hostId == $0.sessionId } }
    /// From `system/init`, updated by `screen/updated`.
    public var screenSize: ScreenSize? { state.withLock { $0.screen } }

    /// Every event the server sends from now on.
    public func events() -> AsyncStream<NekoEvent> { fanOut.subscribe() }

    /// Sends one event; events go out in call order.
    public func send(_ event: NekoEvent) throws {
        if let reason = state.withLock({ $0.closedReason }) { throw NekoError.disconnected(reason: reason) }
        guard let socket = socket.withLock({ $0 }), socket.send(JSONText.encode(event.json)) else {
            throw NekoError.disconnected(reason: "the socket is closed")
        }
    }

    /// Becomes the host: `control/request`, then waits for `control/host` naming this session.
    /// With implicit hosting or no host, v3 grants it at once; a host that keeps control
    /// makes this throw `controlNotGranted`.
    public func requestControl() async throws {
        if isHost { return }
        let events = self.events()
        try send(NekoEvent(NekoEvent.Name.controlRequest))
        let sessionId = self.sessionId
        let timeout = configuration.connectTimeout
        let granted = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await event in events where event.event == NekoEvent.Name.controlHost {
                    if event.payload?["host_id"]?.stringValue == sessionId, event.payload?["has_host"]?.boolValue == true {
                        return true
                    }
                }
                return false
            }
            group.addTask {
                try await Timers.sleep(for: timeout)
                return false
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
        guard granted || isHost else { throw NekoError.controlNotGranted(hostId: hostId) }
    }

    /// Closes the socket. Idempotent.
    public func close() async {
        let socket = self.socket.withLock { $0 }
        await socket?.close()
        closed(reason: "closed by the client")
    }
}
