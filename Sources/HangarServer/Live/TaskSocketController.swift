import Foundation
import HangarAuth
import HangarCore
import HangarRuntime
import HangarStore
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket

/// `WS /ws/tasks/{task_id}?token=&after=SEQ` (seed 004): one task's live view — `task_status`,
/// `task_progress`, `task_complete`, plus `task_step`, `task_token`, `log_entry`, each with
/// its `seq`. The task's log is read from the store from `after` on (0: from the start), so a
/// client that reconnects with the last `seq` it saw receives every event it missed, then live
/// ones: nothing dropped, nothing repeated. Watchers of one task share one reader
/// (`TaskEventHub`); each takes events at its own pace (a slow client lags behind in the hub's
/// ring or in the store, never in an unbounded buffer). After `task_complete` the server closes
/// normally. Unknown task (or another tenant's): 4404.
struct TaskSocketController {
    let store: any TaskFeedStore
    let authenticator: Authenticator
    let registry: SocketRegistry
    let hub: TaskEventHub
    /// Sends the task's messages after `after` until its final status: from the hub's ring, or
    /// from the store for a stretch older than the ring.
    static func watch(
        taskID: String, after start: Int64, hub: TaskEventHub, store: any TaskFeedStore, wake: WakeSignal, connection: SocketConnection
    ) async throws {
        var after = start
        while !Task.isCancelled {
            switch await hub.page(taskID: taskID, after: after) {
            case .behind(let ringStart):
                let events = try await store.eventList(taskID: taskID, afterSeq: after, limit: Int(min(500, ringStart - after)))
                for event in events {
                    let isFinal = event.finalStatus != nil
                    let task = isFinal ? try await store.taskGet(tenantID: nil, id: taskID) : nil
                    for message in LiveMessages.messages(for: event, task: task) { try await connection.send(message) }
                    after = event.seq
                    if isFinal { return }
                }
                if events.isEmpty { after = ringStart }
            case .entries(let entries, let finished):
                for entry in entries {
                    for message in entry.messages { try await connection.send(text: message) }
                    after = entry.seq
                    if entry.isFinal { return }
                }
                if entries.isEmpty {
                    if finished { return }
                    await wake.wait(timeout: .seconds(15))
                }
            }
        }
    }

    func addRoutes(to router: Router<BasicWebSocketRequestContext>) {
        router.ws("/ws/tasks/{task_id}") { _, _ in .upgrade() } onUpgrade: { inbound, outbound, context in
            try await self.serve(inbound, outbound, context)
        }
    }

    private func serve(
        _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, _ context: WebSocketRouterContext<BasicWebSocketRequestContext>
    ) async throws {
        guard
            let (principal, connection, lease) = await SocketConnection.open(
                context.request, outbound: outbound, authenticator: authenticator, registry: registry, endpoint: "/ws/tasks/{task_id}")
        else { return }
        defer { lease.release() }
        let query = Query(context.request)
        guard let taskID = context.requestContext.parameters.get("task_id"),
            (try? await store.taskGet(tenantID: principal.tenantID, id: taskID)) != nil
        else {
            await connection.close(.unknown(4404), "task not found")
            return
        }
        guard let after = Int64(query.string("after") ?? "0"), after >= 0 else {
            await connection.close(.unacceptableData, "after must be a sequence number ≥ 0")
            return
        }
        await connection.opened()
        let store = self.store
        let hub = self.hub
        let limits = registry.limits
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await connection.readInbound(inbound, limits: limits) { _ in
                    try await connection.send(["type": "error", "message": "this endpoint accepts only ping"])
                }
            }
            group.addTask {
                let (id, wake) = await hub.subscribe(taskID: taskID, after: after)
                do {
                    try await Self.watch(taskID: taskID, after: after, hub: hub, store: store, wake: wake, connection: connection)
                    await connection.close(.normalClosure, "task finished")
                } catch {
                    await connection.close(.unexpectedServerError, "could not read the task's events")
                }
                await hub.unsubscribe(taskID: taskID, id: id)
            }
            await group.next()
            group.cancelAll()
        }
    }
}
