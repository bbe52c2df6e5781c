import AsyncHTTPClient
import Foundation
import HangarAgents
public import HangarCore
import HangarErrorText
public import HangarRuntime
import HangarSSE
import NIOCore
import NIOHTTP1

/// Talks to an Agent Protocol server (LangGraph's stateless runs): `POST {base}/runs/wait`,
/// `POST {base}/runs/stream` (Server-Sent Events) and `GET {base}/ok`. Every connection is
/// checked against the network policy and pinned to the approved address (`PinnedClient`).
/// Cancelling the calling task aborts the request.
public struct AgentProtocolClient: Sendable {
    public var policy: NetworkPolicy
    public var resolve: @Sendable (String) -> [String]
    /// Largest answer read from `runs/wait`.
    public var maxResponseBytes: Int
    /// Streamed events put into the task's event log; the rest are counted, not stored.
    public var maxStreamEvents: Int
    /// Largest event data stored as JSON; bigger data is logged as a note of its size.
    public var maxEventDataBytes: Int

    public init(
        policy: NetworkPolicy, resolve: @escaping @Sendable (String) -> [String] = NetworkPolicy.resolve, maxResponseBytes: Int = 16 << 20,
        maxStreamEvents: Int = 1000, maxEventDataBytes: Int = 64 << 10
    ) {
        self.policy = policy
        self.resolve = resolve
        self.maxResponseBytes = maxResponseBytes
        self.maxStreamEvents = maxStreamEvents
        self.maxEventDataBytes = maxEventDataBytes
    }

    /// The run's body: the task's input, the assistant, and the Hangar ids in `metadata`.
    public static func runBody(assistantID: String?, task: TaskRecord, agent: Agent, stream: Bool) -> JSONValue {
        var body: [String: JSONValue] = [
            "input": task.input,
            "config": ["configurable": ["hangar_task_id": .string(task.id), "hangar_agent_id": .string(agent.id)]],
            "metadata": ["hangar_task_id": .string(task.id), "hangar_agent_id": .string(agent.id), "hangar_attempt": .int(Int64(task.attempts))],
        ]
        if let assistantID { body["assistant_id"] = .string(assistantID) }
        if stream { body["stream_mode"] = ["values"] }
        return .object(body)
    }

    /// `runs/wait`: the answer is the run's output.
    public func wait(base: String, body: JSONValue, timeout: Duration) async throws -> JSONValue {
        try await post(base + "/runs/wait", body: body, timeout: timeout) { response in
            let bytes = try await read(response, limit: maxResponseBytes)
            guard let output = try? JSONText.decode(bytes: bytes) else {
                throw TaskFailure(code: "service_bad_answer", message: "\(base)/runs/wait answered with something that is not JSON", retryable: false)
            }
            return output
        }
    }

    /// `runs/stream`: every event goes into the task's log as an `agent_protocol` event; the
    /// output is the data of the last `values` event (what `runs/wait` would have answered).
    /// An `error` event fails the task with its message.
    public func stream(base: String, body: JSONValue, timeout: Duration, events: TaskEventSink) async throws -> JSONValue {
        try await post(base + "/runs/stream", body: body, timeout: timeout, accept: "text/event-stream") { response in
            var parser = ServerSentEventParser(maxLine: maxResponseBytes, maxEvent: maxResponseBytes)
            var output: JSONValue = .null
            var logged = 0
            var dropped = 0
            func take(_ event: ServerSentEvent) async throws {
                let data = (try? JSONText.decode(event.data)) ?? .string(event.data)
                if event.event == "values" { output = data }
                if event.event == "error" {
                    let message = data["message"]?.stringValue ?? data["error"]?.stringValue ?? event.data
                    throw TaskFailure(code: "service_error", message: "the service reported an error: \(message.prefix(2000))", retryable: false)
                }
                guard logged < maxStreamEvents else {
                    dropped += 1
                    return
                }
                logged += 1
                let stored: JSONValue = event.data.utf8.count <= maxEventDataBytes ? data : ["omitted_bytes": .int(Int64(event.data.utf8.count))]
                try await events.emit("agent_protocol", ["event": .string(event.event), "data": stored])
            }
            for try await chunk in response.body {
                for event in try parser.feed(chunk.readableBytesView) { try await take(event) }
            }
            if let last = try parser.finish() { try await take(last) }
            if dropped > 0 {
                try await events.log("\(dropped) more streamed events not logged (limit \(maxStreamEvents))", level: "warning")
            }
            return output
        }
    }

    /// `GET {base}{path}`: healthy on a 2xx answer.
    public func health(base: String, path: String, timeout: Duration) async -> ServiceHealth {
        let started = ContinuousClock.now
        let pinned: PinnedClient
        do {
            pinned = try await PinnedClient.make(for: base + path, policy: policy, connectTimeout: timeout, resolve: resolve)
        } catch {
            return ServiceHealth(healthy: false, detail: "refused by the network policy: \(ErrorText.describe(error))", latency: nil)
        }
        defer { Task { await pinned.shutdown() } }
        do {
            let response = try await pinned.client.execute(HTTPClientRequest(url: base + path), timeout: .nanoseconds(Int64(timeout.seconds * 1e9)))
            _ = try? await read(response, limit: 64 << 10)
            let latency = ContinuousClock.now - started
            let healthy = (200..<300).contains(response.status.code)
            return ServiceHealth(healthy: healthy, detail: healthy ? nil : "answered \(response.status.code)", latency: latency)
        } catch {
            return ServiceHealth(healthy: false, detail: "unreachable: \(ErrorText.describe(error))", latency: nil)
        }
    }

    private func post<T: Sendable>(
        _ url: String, body: JSONValue, timeout: Duration, accept: String = "application/json",
        _ handle: (HTTPClientResponse) async throws -> T
    ) async throws -> T {
        let pinned: PinnedClient
        do {
            pinned = try await PinnedClient.make(for: url, policy: policy, resolve: resolve)
        } catch let refused as PinnedClient.Refused {
            throw TaskFailure(code: "network_refused", message: "\(url) refused: \(refused.reason)", retryable: false)
        }
        defer { Task { await pinned.shutdown() } }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "accept", value: accept)
        request.body = .bytes(ByteBuffer(string: JSONText.encode(body)))
        let response: HTTPClientResponse
        do {
            response = try await pinned.client.execute(request, timeout: .nanoseconds(Int64(max(1, timeout.seconds) * 1e9)))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            try Task.checkCancellation()
            throw TaskFailure(code: "service_unreachable", message: "\(url): \(ErrorText.describe(error))", retryable: true)
        }
        guard (200..<300).contains(response.status.code) else {
            let text = String(decoding: (try? await read(response, limit: 2000)) ?? [], as: UTF8.self)
            // 5xx and 429 may pass; anything else is the request's fault and will not.
            let retryable = response.status.code >= 500 || response.status.code == 429
            throw TaskFailure(code: "service_error", message: "\(url) answered \(response.status.code): \(text)", retryable: retryable)
        }
        return try await handle(response)
    }

    private func read(_ response: HTTPClientResponse, limit: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in response.body {
            guard bytes.count + chunk.readableBytes <= limit else {
                throw TaskFailure(code: "service_answer_too_large", message: "the answer exceeded \(limit) bytes", retryable: false)
            }
            bytes.append(contentsOf: chunk.readableBytesView)
        }
        return bytes
    }
}

/// What a service's health probe found.
public struct ServiceHealth: Sendable, Equatable {
    public var healthy: Bool
    public var detail: String?
    public var latency: Duration?

    public var json: JSONValue {
        var fields: [String: JSONValue] = ["healthy": .bool(healthy)]
        if let detail { fields["detail"] = .string(detail) }
        if let latency { fields["latency_ms"] = .double((latency.seconds * 1000).rounded()) }
        return .object(fields)
    }
}
