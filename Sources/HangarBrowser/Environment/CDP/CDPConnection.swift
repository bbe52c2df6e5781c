import Foundation
import HangarErrorText
import HangarCore
import HangarTimers
import Logging
import Synchronization

/// An event the browser pushed (`{"method": …, "params": …, "sessionId": …}`).
public struct CDPEvent: Sendable {
    public var method: String
    public var params: JSONValue
    /// The flattened target session the event belongs to; nil for the browser itself.
    public var sessionId: String?
}

/// One DevTools connection — a WebSocket to a remote Chrome, or the pipe of a Chromium we
/// launched: commands get increasing ids and wait for the reply with that id; events fan out
/// to every subscriber. Commands to a page attached with `flatten: true` carry its
/// `sessionId` over the same transport.
public final class CDPConnection: Sendable {
    /// A full-HD JPEG screenshot is ~1 MB of base64; leave room for PNGs and big DOM answers.
    static let maxMessageSize = 1 << 27
    /// `url` of a connection over a launched browser's pipe.
    static let pipeURL = "pipe:"

    /// The WebSocket URL, or `pipe:`.
    public let url: String
    let defaultTimeout: Duration
    private let logger: Logger
    private let state = Mutex(State())
    private let transport = Mutex<(any CDPTransport)?>(nil)

    private struct Pending {
        var method: String
        var continuation: CheckedContinuation<JSONValue, any Error>
        var timer: Task<Void, Never>?
    }

    private struct State {
        var nextId = 1
        var pending: [Int: Pending] = [:]
        var closedReason: String?
    }

    private let fanOut = EventFanOut<CDPEvent>()

    private init(url: String, defaultTimeout: Duration, logger: Logger) {
        self.url = url
        self.defaultTimeout = defaultTimeout
        self.logger = logger
    }

    deinit {
        transport.withLock { $0 }?.cancel()
    }

    /// Opens the WebSocket at `url` (`ws://127.0.0.1:PORT/devtools/browser/…` or `…/page/…`).
    public static func connect(
        to url: String,
        connectTimeout: Duration = .seconds(10),
        commandTimeout: Duration = .seconds(30),
        logger: Logger = Logger(label: "hangar.cdp"),
        route: EgressRoute? = nil
    ) async throws -> CDPConnection {
        try await open(url: url, commandTimeout: commandTimeout, logger: logger) { onText, onClose in
            try await TextWebSocket.connect(
                url: url, maxMessageSize: maxMessageSize, timeout: connectTimeout, logger: logger, proxyPort: route?.proxyPort, onText: onText,
                onClose: onClose)
        }
    }

    /// Speaks over a launched Chromium's `--remote-debugging-pipe`, taking ownership of both
    /// descriptors (`input`: our read end of its fd 4; `output`: our write end of its fd 3).
    static func overPipe(
        input: CInt, output: CInt, commandTimeout: Duration, logger: Logger
    ) async throws -> CDPConnection {
        try await open(url: pipeURL, commandTimeout: commandTimeout, logger: logger) { onText, onClose in
            try await PipeTransport.open(
                input: input, output: output, maxMessageSize: maxMessageSize, onText: onText, onClose: onClose)
        }
    }

    private static func open(
        url: String, commandTimeout: Duration, logger: Logger, transport opener: CDPTransportOpener
    ) async throws -> CDPConnection {
        let connection = CDPConnection(url: url, defaultTimeout: commandTimeout, logger: logger)
        do {
            let transport = try await opener(
                { [weak connection] text in connection?.receive(text) },
                { [weak connection] reason in connection?.shutDown(reason: reason) })
            connection.transport.withLock { $0 = transport }
        } catch {
            throw CDPError.connectFailed(url: url, reason: ErrorText.describe(error))
        }
        return connection
    }

    /// Sends `method` and returns its `result` object; throws the browser's error message.
    @discardableResult
    public func send(
        _ method: String,
        _ params: [String: JSONValue] = [:],
        sessionId: String? = nil,
        timeout: Duration? = nil
    ) async throws -> JSONValue {
        let timeout = timeout ?? defaultTimeout
        let id = try state.withLock { state -> Int in
            if let reason = state.closedReason { throw CDPError.connectionClosed(reason: reason) }
            defer { state.nextId += 1 }
            return state.nextId
        }
        var message: [String: JSONValue] = ["id": .int(Int64(id)), "method": .string(method), "params": .object(params)]
        if let sessionId { message["sessionId"] = .string(sessionId) }
        let text = JSONText.encode(.object(message))

        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<JSONValue, any Error>) in
                let timer = Task { [weak self] in
                    guard (try? await Timers.sleep(for: timeout)) != nil else { return }
                    self?.complete(id, with: .failure(CDPError.timeout(method: method, seconds: timeout.seconds)))
                }
                let closed = state.withLock { state -> String? in
                    if let reason = state.closedReason { return reason }
                    state.pending[id] = Pending(method: method, continuation: continuation, timer: timer)
                    return nil
                }
                if let closed {
                    timer.cancel()
                    continuation.resume(throwing: CDPError.connectionClosed(reason: closed))
                    return
                }
                guard let transport = transport.withLock({ $0 }), transport.send(text) else {
                    complete(id, with: .failure(CDPError.connectionClosed(reason: "the transport is closed")))
                    return
                }
            }
        } onCancel: {
            complete(id, with: .failure(CancellationError()))
        }
    }

    /// Every event from now on, until the connection closes or the stream is dropped.
    public func events() -> AsyncStream<CDPEvent> { fanOut.subscribe() }

    /// Closes the transport; pending commands fail with `connectionClosed`. Idempotent.
    public func close() async {
        shutDown(reason: "closed by the client")
        await transport.withLock { $0 }?.close()
    }

    /// Starts closing without waiting (for owners going away synchronously).
    func cancel() {
        shutDown(reason: "closed by the client")
        transport.withLock { $0 }?.cancel()
    }

    public var isClosed: Bool { state.withLock { $0.closedReason != nil } }

    // MARK: - Inbound

    private func receive(_ text: String) {
        guard let message = try? JSONText.decode(text), let object = message.objectValue else {
            logger.debug("CDP: ignoring a frame that is not a JSON object")
            return
        }
        if let id = object["id"]?.intValue {
            if let error = object["error"]?.objectValue {
                let method = state.withLock { $0.pending[id]?.method } ?? "?"
                let code = error["code"]?.intValue ?? 0
                var text = error["message"]?.stringValue ?? "unknown error"
                if let data = error["data"]?.stringValue { text += " (\(data))" }
                complete(id, with: .failure(CDPError.protocolError(method: method, code: code, message: text)))
            } else {
                complete(id, with: .success(object["result"] ?? .emptyObject))
            }
            return
        }
        guard let method = object["method"]?.stringValue else { return }
        let event = CDPEvent(method: method, params: object["params"] ?? .emptyObject, sessionId: object["sessionId"]?.stringValue)
        fanOut.yield(event)
    }

    private func complete(_ id: Int, with result: Result<JSONValue, any Error>) {
        guard let pending = state.withLock({ $0.pending.removeValue(forKey: id) }) else { return }
        pending.timer?.cancel()
        pending.continuation.resume(with: result)
    }

    private func shutDown(reason: String) {
        let pending = state.withLock { state -> [Pending] in
            if state.closedReason == nil { state.closedReason = reason }
            defer { state.pending.removeAll() }
            return Array(state.pending.values)
        }
        for item in pending {
            item.timer?.cancel()
            item.continuation.resume(throwing: CDPError.connectionClosed(reason: reason))
        }
        fanOut.finish()
    }
}
