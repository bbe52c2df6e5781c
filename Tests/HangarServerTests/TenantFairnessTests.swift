import Foundation
import HangarCore
import HangarServer
import HangarStore
import HangarTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWebSocket
import HummingbirdWSTesting
import NIOWebSocket
import Testing

/// One tenant with many keys must not take every live connection from the others.
@Suite("Live connections: fair per tenant", .serialized, .timeLimit(.minutes(1)))
struct TenantFairnessTests {
    @Test("WebSockets: tenant A's keys stop at the per-tenant cap (1013), tenant B still connects; counts return to zero")
    func webSockets() async throws {
        try await LiveServer.with(configure: { $0.webSockets = WebSocketLimits(perUser: 2, perTenant: 3, total: 10) }) { server in
            let keys = [try await server.key("acme"), try await server.key("acme"), try await server.key("acme")]
            let globex = try await server.key("globex")
            let task = try await server.store.submit(try await server.store.makeAgent(name: "echo", tenantID: "acme"))
            let gtask = try await server.store.submit(try await server.store.makeAgent(name: "echo", tenantID: "globex"))
            let release = Gate()
            let opened = Counter()
            /// Connects and, once the server has answered a ping (admitted), holds until released.
            @Sendable func hold(_ token: String, _ id: String) async throws {
                _ = try await server.client.ws("/ws/tasks/\(id)?token=\(token)") { inbound, outbound, _ in
                    try await outbound.write(.text(#"{"type":"ping"}"#))
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .text(let text) = message, text.contains("pong") { break }
                    }
                    await opened.increment()
                    await release.wait()
                }
            }
            func attempt(_ token: String, _ id: String) async throws -> WebSocketCloseFrame? {
                try await server.client.ws("/ws/tasks/\(id)?token=\(token)") { inbound, outbound, _ in
                    try await outbound.write(.text(#"{"type":"ping"}"#))
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .text(let text) = message, text.contains("pong") { break }
                    }
                }
            }
            // Three keys of one tenant, one connection each: the tenant's cap.
            let holders = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for key in keys { group.addTask { try await hold(key, task.id) } }
                    try await group.waitForAll()
                }
            }
            #expect(try await server.eventually { await opened.value == 3 })
            let refused = try await attempt(keys[0], task.id)
            #expect(refused?.closeCode == .unknown(1013), "\(String(describing: refused))")
            #expect(refused?.reason?.contains("per-tenant limit (HANGAR_WS_MAX_PER_TENANT)") == true, "\(refused?.reason ?? "")")
            let other = try await attempt(globex, gtask.id)
            #expect(other?.closeCode != .unknown(1013), "another tenant still connects")
            #expect(server.gauge("websocket_connections") == 3)

            await release.open()
            _ = try await holders.value
            #expect(try await server.eventually { server.gauge("websocket_connections") == 0 }, "every slot released")
            #expect(try await attempt(keys[0], task.id)?.closeCode != .unknown(1013))
        }
    }

    @Test("Event streams: per caller, per tenant (429 naming the setting) and shared by both SSE routes; released on disconnect")
    func eventStreams() async throws {
        try await LiveServer.with(configure: { $0.eventStreams = ConnectionLimits(perUser: 2, perTenant: 3, total: 10) }) { server in
            let keys = [try await server.key("acme"), try await server.key("acme")]
            let globex = try await server.key("globex")
            let task = try await server.store.submit(try await server.store.makeAgent(name: "echo", tenantID: "acme"))
            let gtask = try await server.store.submit(try await server.store.makeAgent(name: "echo", tenantID: "globex"))
            /// Opens a stream on a raw connection and waits for its first bytes.
            func stream(_ token: String, _ path: String) async throws -> RawConnection {
                let connection = try await RawConnection.connect(port: server.port)
                await connection.send(
                    "GET \(path) HTTP/1.1\r\nHost: hangar\r\nAuthorization: Bearer \(token)\r\nAccept: text/event-stream\r\n\r\n")
                #expect(try await connection.wait(timeout: .seconds(5)) { connection.text.contains("retry: 1000") }, "\(connection.text)")
                return connection
            }
            let logs = "/api/v1/logs/stream/\(task.id)"
            let events = "/api/v1/tasks/\(task.id)/events"
            var open = [try await stream(keys[0], logs), try await stream(keys[0], events)]
            // The first key is at its own limit…
            let perUser = try await server.client.execute(uri: logs, method: .get, headers: [.authorization: "Bearer \(keys[0])"])
            #expect(perUser.status == .tooManyRequests)
            #expect(perUser.json["detail"]?.stringValue?.contains("HANGAR_SSE_MAX_PER_USER") == true && perUser.json["status_code"] == 429)
            // …the second key takes the tenant's third, and then the tenant is at its limit.
            open.append(try await stream(keys[1], logs))
            let headers: HTTPFields = [.authorization: "Bearer \(keys[1])", .accept: "text/event-stream"]
            let perTenant = try await server.client.execute(uri: events, method: .get, headers: headers)
            #expect(perTenant.status == .tooManyRequests)
            #expect(perTenant.json["detail"]?.stringValue?.contains("per-tenant limit (HANGAR_SSE_MAX_PER_TENANT)") == true, "\(perTenant.text)")
            // Another tenant is not affected.
            open.append(try await stream(globex, "/api/v1/logs/stream/\(gtask.id)"))
            #expect(server.gauge("event_streams") == 4)

            for connection in open { await connection.close() }
            #expect(try await server.eventually { server.gauge("event_streams") == 0 }, "every stream released")
            let again = try await stream(keys[0], logs)
            #expect(again.text.hasPrefix("HTTP/1.1 200"), "a released slot is free again: \(again.text.prefix(80))")
            await again.close()
        }
    }
}
