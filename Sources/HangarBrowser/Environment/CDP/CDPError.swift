import Foundation

/// What can go wrong talking to Chrome over the DevTools Protocol.
public enum CDPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The browser answered a command with an error object (`{"code": -32000, "message": …}`).
    case protocolError(method: String, code: Int, message: String)
    /// No reply within the command's timeout.
    case timeout(method: String, seconds: Double)
    /// The WebSocket is gone (closed by us, the browser, or the network).
    case connectionClosed(reason: String)
    /// The WebSocket could not be opened.
    case connectFailed(url: String, reason: String)
    /// A reply or endpoint answer without the fields the protocol promises.
    case malformedReply(method: String, detail: String)
    /// `Page.navigate` reported an error (DNS, refused connection, bad URL…).
    case navigationFailed(url: String, reason: String)
    /// The browser's egress proxy refused a connection the navigation needed (the page
    /// itself or a redirect): `host` is the destination, `reason` the network policy's.
    case refusedByNetworkPolicy(url: String, host: String, reason: String, internalAddress: Bool)
    /// A `Runtime.evaluate` threw in the page.
    case javascriptException(String)
    /// No page target to drive on the browser.
    case noPageTarget

    public var description: String {
        switch self {
        case .protocolError(let method, let code, let message): "CDP \(method) failed (\(code)): \(message)"
        case .timeout(let method, let seconds): "CDP \(method) got no reply within \(seconds) s"
        case .connectionClosed(let reason): "CDP connection closed: \(reason)"
        case .connectFailed(let url, let reason): "cannot open the DevTools WebSocket \(url): \(reason)"
        case .malformedReply(let method, let detail): "CDP \(method): unexpected reply: \(detail)"
        case .navigationFailed(let url, let reason): "navigation to \(url) failed: \(reason)"
        case .refusedByNetworkPolicy(let url, let host, let reason, let internalAddress):
            "navigation to \(url) was refused by the network policy: connecting to \(host) is not allowed (\(reason))"
                + (internalAddress ? "; set HANGAR_ALLOW_PRIVATE_NETWORKS=true to allow private networks" : "")
        case .javascriptException(let text): "page script threw: \(text)"
        case .noPageTarget: "the browser has no page target"
        }
    }
}
