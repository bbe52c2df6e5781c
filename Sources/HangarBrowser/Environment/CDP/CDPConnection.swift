import Foundation
import HangarCore
import HummingbirdWSClient
import Logging
import Synchronization

/// An event the browser pushed (`{"method": …, "params": …, "sessionId": …}`).
public struct CDPEvent: Sendable {
    public var method: String
    public var params: JSONValue
    /// The flattened target session the event belongs to; nil for the browser itself.
    public var sessionId: String?
}

/// One DevTools WebSocket: commands get increasing ids and wait for the reply with that id;
/// events fan out to every subscriber. Commands to a page attached with `flatten: true` carry
/// its `sessionId` over the same socket.
public final class CDPConnection: Sendable {
    /// A full-HD JPEG screenshot is ~1 MB of base64; leave room for PNGs and big DOM answers.
    static let maxMessageSize = 1 << 27

    public let url: String
    let defaultTimeout: Duration
    private let logger: Logger
    private let outgoing: AsyncStream<String>.Continuation
    private let state = Mutex(State())
    private let runner = Mutex<Task<Void, Never>?>(nil)

    private struct Pending {
        var method: String
        var continuation: CheckedContinuation<JSONValue, any Error>
        var timer: Task<Void, Never>?
    }

    private struct State {
        var nextId = 1
        var pending: [Int: Pending] = [:]
        var subscribers: [Int: AsyncStream<CDPEvent>.Continuation] = [:]
        var nextSubscriber = 0
        var closedReason: String?
    }

    private init(url: String, defaultTimeout: Duration, logger: Logger, outgoing: AsyncStream<String>.Continuation) {
        self.url = url
        self.defaultTimeout = defaultTimeout
        self.logger = logger
        self.outgoing = outgoing
    }

    /// Opens the WebSocket at `url` (`ws://127.0.0.1:PORT/devtools/browser/…` or `…/page/…`).
    public static func connect(
        to url: String,
        connectTimeout: Duration = .seconds(10),
        commandTimeout: Duration = .seconds(30),
        logger: Logger = Logger(label: "hangar.cdp")
    ) async throws -> CDPConnection {
        let (stream, continuation) = AsyncStream<String>.makeStream()
        let connection = CDPConnection(url: url, defaultTimeout: commandTimeout, logger: logger, outgoing: continuation)
        try await connection.open(outgoing: stream, timeout: connectTimeout)
        return connection
    }

    private func open(outgoing stream: AsyncStream<String>, timeout: Duration) async throws {
        let opened = OneShot<Void>()
        let task = Task { [url, logger] in
            do {
                try await WebSocketClient.connect(
                    url: url,
                    configuration: .init(maxFrameSize: Self.maxMessageSize),
                    logger: logger
                ) { inbound, outbound, _ in
                    opened.succeed(())
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await text in stream { try await outbound.write(.text(text)) }
                        }
                        group.addTask {
                            for try await message in inbound.messages(maxSize: Self.maxMessageSize) {
                                guard case .text(let text) = message else { continue }
                                self.receive(text)
                            }
                        }
                        // Either side ending ends the connection: the browser closed, or we did.
                        _ = try await group.next()
                        group.cancelAll()
                    }
                }
                opened.fail(CDPError.connectFailed(url: url, reason: "closed during the handshake"))
                self.shutDown(reason: "closed by the browser")
            } catch {
                opened.fail(CDPError.connectFailed(url: url, reason: String(describing: error)))
                self.shutDown(reason: String(describing: error))
            }
        }
        runner.withLock { $0 = task }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            opened.fail(CDPError.connectFailed(url: url, reason: "no handshake within \(timeout.seconds) s"))
        }
        defer { timer.cancel() }
        do {
            try await opened.value()
        } catch {
            task.cancel()
            throw error
        }
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
                    guard (try? await Task.sleep(for: timeout)) != nil else { return }
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
                if case .terminated = outgoing.yield(text) {
                    complete(id, with: .failure(CDPError.connectionClosed(reason: "the socket is closed")))
                }
            }
        } onCancel: {
            complete(id, with: .failure(CancellationError()))
        }
    }

    /// Every event from now on, until the connection closes or the stream is dropped.
    public func events() -> AsyncStream<CDPEvent> {
        let (stream, continuation) = AsyncStream<CDPEvent>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let key = state.withLock { state -> Int? in
            guard state.closedReason == nil else { return nil }
            defer { state.nextSubscriber += 1 }
            state.subscribers[state.nextSubscriber] = continuation
            return state.nextSubscriber
        }
        guard let key else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: key) }
        }
        return stream
    }

    /// Closes the socket; pending commands fail with `connectionClosed`. Idempotent.
    public func close() async {
        shutDown(reason: "closed by the client")
        outgoing.finish()
        let task = runner.withLock { $0 }
        // The close handshake is quick on loopback; don't let a dead peer hold us up.
        let guardTimer = Task {
            try? await Task.sleep(for: .seconds(2))
            task?.cancel()
        }
        await task?.value
        guardTimer.cancel()
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
        let subscribers = state.withLock { Array($0.subscribers.values) }
        for subscriber in subscribers { subscriber.yield(event) }
    }

    private func complete(_ id: Int, with result: Result<JSONValue, any Error>) {
        guard let pending = state.withLock({ $0.pending.removeValue(forKey: id) }) else { return }
        pending.timer?.cancel()
        pending.continuation.resume(with: result)
    }

    private func shutDown(reason: String) {
        let (pending, subscribers) = state.withLock { state -> ([Pending], [AsyncStream<CDPEvent>.Continuation]) in
            if state.closedReason == nil { state.closedReason = reason }
            defer {
                state.pending.removeAll()
                state.subscribers.removeAll()
            }
            return (Array(state.pending.values), Array(state.subscribers.values))
        }
        for item in pending {
            item.timer?.cancel()
            item.continuation.resume(throwing: CDPError.connectionClosed(reason: reason))
        }
        for subscriber in subscribers { subscriber.finish() }
    }
}
