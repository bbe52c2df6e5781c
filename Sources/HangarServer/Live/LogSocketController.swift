import Foundation
import HangarAuth
import HangarCore
import HangarRuntime
import HangarStore
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import Synchronization

/// `WS /ws/logs?token=&agent_id=&task_id=&level=` (seed 004): the caller's tenant's task logs
/// as they are written — `log_entry` for `log` events (at or above `level`), `task_update` for
/// status changes — from every process sharing the database (the store's event
/// notifications carry them). `{"type": "update_filters", …}` changes the filters on the fly.
///
/// Live only (no backlog: `GET /api/v1/logs/history` searches the past). Messages wait in a
/// bounded per-connection buffer; a client too slow to drain it is disconnected (1008,
/// "client too slow") rather than let memory grow.
struct LogSocketController {
    let store: any TaskFeedStore
    let authenticator: Authenticator
    let registry: SocketRegistry

    struct Filters: Sendable, Equatable {
        var agentID: String?
        var taskID: String?
        var level: String?

        init(_ json: JSONValue) {
            agentID = json["agent_id"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            taskID = json["task_id"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            level = json["level"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        }

        var json: JSONValue {
            ["agent_id": agentID.map(JSONValue.string) ?? .null, "task_id": taskID.map(JSONValue.string) ?? .null, "level": level.map(JSONValue.string) ?? .null]
        }
    }

    func addRoutes(to router: Router<BasicWebSocketRequestContext>) {
        router.ws("/ws/logs") { _, _ in .upgrade() } onUpgrade: { inbound, outbound, context in
            try await self.serve(inbound, outbound, context)
        }
    }

    private func serve(
        _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, _ context: WebSocketRouterContext<BasicWebSocketRequestContext>
    ) async throws {
        guard
            let (principal, connection, lease) = await SocketConnection.open(
                context.request, outbound: outbound, authenticator: authenticator, registry: registry, endpoint: "/ws/logs")
        else { return }
        defer { lease.release() }
        let query = Query(context.request)
        let filters = Locked(
            Filters(["agent_id": query.string("agent_id").map(JSONValue.string) ?? .null, "task_id": query.string("task_id").map(JSONValue.string) ?? .null,
                "level": query.string("level").map(JSONValue.string) ?? .null]))
        let limits = registry.limits
        let store = self.store
        // Subscribe before saying "connected", so nothing written after the client hears it is missed.
        let signals = store.notifier.subscribe()
        let connectedAt = Date()
        await connection.opened()
        try? await connection.send(["type": "connected", "filters": filters.withLock { $0.json }])
        let (outgoing, continuation) = AsyncStream<JSONValue>.makeStream(bufferingPolicy: .bufferingOldest(limits.sendBuffer))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await connection.readInbound(inbound, limits: limits) { message in
                    guard message["type"] == "update_filters" else {
                        try await connection.send(["type": "error", "message": "unknown message type; send ping or update_filters"])
                        return
                    }
                    let updated = Filters(message)
                    filters.withLock { $0 = updated }
                    try await connection.send(["type": "filters_updated", "filters": updated.json])
                }
            }
            group.addTask {
                // Writer: drains the buffer at the client's pace.
                for await message in outgoing {
                    guard (try? await connection.send(message)) != nil else { return }
                }
            }
            group.addTask {
                var follower = LogFollower(store: store, tenantID: principal.tenantID, since: connectedAt)
                for await signal in signals {
                    guard case .event(let taskID, let seq) = signal else { continue }
                    let current = filters.withLock { $0 }
                    guard let messages = try? await follower.messages(taskID: taskID, upTo: seq, filters: current) else { continue }
                    for message in messages {
                        if case .dropped = continuation.yield(message) {
                            await connection.close(.policyViolation, "client too slow: \(limits.sendBuffer) messages waiting")
                            return
                        }
                    }
                }
            }
            await group.next()
            continuation.finish()
            group.cancelAll()
        }
    }
}

/// Turns "task X's log grew to seq N" into the messages a `/ws/logs` client should get:
/// remembers, per task, its tenant and agent and the last event sent, in a bounded table.
struct LogFollower {
    let store: any TaskFeedStore
    let tenantID: String
    let since: Date
    private var tasks: [String: (agentID: String?, last: Int64)] = [:]
    private var order: [String] = []
    static let remembered = 4096

    init(store: any TaskFeedStore, tenantID: String, since: Date) {
        self.store = store
        self.tenantID = tenantID
        self.since = since
    }

    mutating func messages(taskID: String, upTo seq: Int64, filters: LogSocketController.Filters) async throws -> [JSONValue] {
        var known = tasks[taskID]
        if known == nil {
            // Another tenant's task is remembered as such (agent nil, never sent).
            guard let task = try await store.taskGet(tenantID: tenantID, id: taskID) else {
                remember(taskID, (nil, .max))
                return []
            }
            // First sight: look back a little (a signal may cover a batch) and keep only what was
            // written since the client connected.
            known = (task.agentID, max(0, seq - 256))
            remember(taskID, known!)
        }
        guard let (agentID, last) = known, last < seq, agentID != nil else { return [] }
        // Filtered out: skip past these events, so a later change of filters starts from now.
        if filters.taskID.map({ $0 != taskID }) ?? false || filters.agentID.map({ $0 != agentID }) ?? false {
            tasks[taskID]?.last = seq
            return []
        }
        let events = try await store.eventList(taskID: taskID, afterSeq: last, limit: 1000)
        tasks[taskID]?.last = events.last?.seq ?? last
        let minimum = filters.level.map(LiveMessages.rank) ?? 0
        var messages: [JSONValue] = []
        for event in events where event.createdAt >= since {
            switch event.type {
            case NewTaskEvent.Kind.log:
                guard LiveMessages.rank(event.data["level"]?.stringValue ?? "info") >= minimum else { continue }
                messages.append(["type": "log_entry", "data": LiveMessages.logEntry(event, agentID: agentID)])
            case NewTaskEvent.Kind.status:
                var data = event.data.objectValue ?? [:]
                data["task_id"] = .string(taskID)
                data["agent_id"] = agentID.map(JSONValue.string) ?? .null
                data["timestamp"] = .string(Timestamp.format(event.createdAt))
                messages.append(["type": "task_update", "data": .object(data)])
            default:
                continue
            }
        }
        return messages
    }

    private mutating func remember(_ taskID: String, _ value: (agentID: String?, last: Int64)) {
        tasks[taskID] = value
        order.append(taskID)
        if order.count > Self.remembered {
            tasks[order.removeFirst()] = nil
        }
    }
}
