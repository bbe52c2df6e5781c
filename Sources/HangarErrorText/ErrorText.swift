import AsyncHTTPClient
import Foundation
import HangarCore
import NIOCore
import NIOPosix

/// An error in words a user can act on, for every place an error reaches a person: response
/// bodies, task errors and events, user-facing log lines. Never a Swift debug dump such as
/// `HTTPClientError.connectTimeout` or `IOError(errnoCode: 111, …)`.
///
/// Hangar's own errors already speak for themselves (their `description` is written for
/// people); the network's (NIO, AsyncHTTPClient) and Foundation's are translated here. Anything
/// else is named by its kind only, with no internals.
public enum ErrorText {
    public static func describe(_ error: any Error) -> String {
        switch error {
        case let error as TaskFailure: return error.message
        case let error as HangarError: return error.description
        case let error as HTTPClientError: return http(error)
        case let error as NIOConnectionError: return connection(error)
        case let error as IOError: return posix(error.errnoCode)
        case let error as ChannelError: return channel(error)
        case let error as DecodingError: return decoding(error)
        case is CancellationError: return "cancelled"
        default: break
        }
        let type = String(reflecting: Swift.type(of: error))
        let module = type.split(separator: ".").first.map(String.init) ?? ""
        let name = type.split(separator: ".").last.map(String.init) ?? type
        if ownModules.contains(module) {
            // Ours: `description` is written for people, unless the type has none and Swift
            // would print its fields (`Name(field: …)`).
            let text = String(describing: error)
            if !text.hasPrefix(name + "(") && text != name { return text }
        }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return posix(Int32(ns.code)) }
        if ns.domain == NSCocoaErrorDomain, let path = ns.userInfo[NSFilePathErrorKey] as? String {
            return "file operation failed on \(path) (code \(ns.code))"
        }
        // A foreign type we do not know: its kind, not a dump of its fields.
        return "unexpected error (\(name))"
    }

    /// Hangar's production modules, whose errors' descriptions are meant for people.
    static let ownModules: Set<String> = [
        "HangarCore", "HangarStore", "HangarStoreSQLite", "HangarStorePostgres", "HangarBackends", "HangarRuntime", "HangarAgents",
        "HangarAuth", "HangarBlobs", "HangarCapture", "HangarBrowser", "HangarSpeech", "HangarServer", "HangarErrorText",
    ]

    static func http(_ error: HTTPClientError) -> String {
        switch error {
        case .connectTimeout: return "connecting timed out"
        case .readTimeout: return "no answer in time (read timed out)"
        case .writeTimeout: return "sending timed out"
        case .deadlineExceeded: return "no answer before the deadline"
        case .remoteConnectionClosed: return "the server closed the connection"
        case .cancelled: return "the request was cancelled"
        case .tlsHandshakeTimeout: return "the TLS handshake timed out"
        case .redirectLimitReached, .redirectCycleDetected: return "too many redirects"
        case .invalidURL, .emptyHost, .emptyScheme: return "not a valid URL"
        case .getConnectionFromPoolTimeout: return "no free connection in time (too many requests at once)"
        case .bodyLengthMismatch, .contentLengthMissing: return "the server sent a malformed response body"
        default: return "HTTP request failed (\(error.shortDescription))"
        }
    }

    static func connection(_ error: NIOConnectionError) -> String {
        if error.connectionErrors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil {
            return "host '\(error.host)' was not found (DNS)"
        }
        if let first = error.connectionErrors.first { return "\(error.host):\(error.port): \(describe(first.error))" }
        return "cannot connect to \(error.host):\(error.port)"
    }

    static func posix(_ code: Int32) -> String {
        switch code {
        case ECONNREFUSED: return "connection refused (nothing listens there)"
        case ETIMEDOUT: return "timed out"
        case ECONNRESET: return "the connection was reset"
        case EHOSTUNREACH, ENETUNREACH: return "unreachable from this machine"
        case EPIPE: return "the other side closed the connection"
        default: return String(cString: strerror(code)).lowercased()
        }
    }

    static func channel(_ error: ChannelError) -> String {
        switch error {
        case .connectTimeout: return "connecting timed out"
        case .ioOnClosedChannel, .alreadyClosed, .eof, .outputClosed, .inputClosed: return "the connection was closed"
        default: return "connection failed"
        }
    }

    static func decoding(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "the document" : "'" + keys.joined(separator: ".") + "'"
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context)) has no '\(key.stringValue)'"
        case .typeMismatch(let type, let context): return "\(path(context)) is not \(typeName(type))"
        case .valueNotFound(let type, let context): return "\(path(context)) is missing (expected \(typeName(type)))"
        case .dataCorrupted(let context): return "\(path(context)) is malformed: \(context.debugDescription)"
        @unknown default: return "malformed data"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type, is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        default: return "the expected kind of value"
        }
    }
}
