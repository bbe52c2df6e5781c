/// What can go wrong with a Neko (m1k1o/neko v3) server.
public enum NekoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `POST /api/login` refused: 401 wrong credentials, 403 logins locked, 422 already connected.
    case loginFailed(status: Int, detail: String)
    /// Login succeeded but neither the body nor the session cookie held a token.
    case noToken
    case badURL(String)
    case connectFailed(reason: String)
    /// No `system/init` after connecting.
    case notInitialized(seconds: Double)
    /// Someone else holds control and did not give it up.
    case controlNotGranted(hostId: String?)
    /// `shot.jpg` needs an admin member; the account is not one (or the token expired).
    case screenshotForbidden(status: Int)
    case httpError(path: String, status: Int, detail: String)
    /// The socket ended (`system/disconnect`'s message, or the transport's reason).
    case disconnected(reason: String)
    case unknownScreenSize

    public var description: String {
        switch self {
        case .loginFailed(let status, let detail): "Neko login failed (HTTP \(status)): \(detail)"
        case .noToken: "Neko login returned no token (neither in the body nor in the NEKO_SESSION cookie)"
        case .badURL(let url): "not a Neko base URL: \(url)"
        case .connectFailed(let reason): "cannot open the Neko WebSocket: \(reason)"
        case .notInitialized(let seconds): "Neko sent no system/init within \(seconds) s"
        case .controlNotGranted(let host): "Neko did not grant control (host: \(host ?? "none"))"
        case .screenshotForbidden(let status):
            "Neko refused the screenshot (HTTP \(status)): /api/room/screen/shot.jpg is for admin members only"
        case .httpError(let path, let status, let detail): "Neko \(path) answered HTTP \(status): \(detail)"
        case .disconnected(let reason): "Neko connection closed: \(reason)"
        case .unknownScreenSize: "Neko has not reported its screen size"
        }
    }
}
