import Foundation
import HangarCore
import HangarServer
import HangarStore
import HangarTestSupport
import Testing

/// Live clients that come and go must leave nothing behind: no hub feed, no registry slot, no
/// descriptor (issue #23). Raw TCP clients, so each can end either way a real one does: a clean
/// WebSocket close, or the socket dropped mid-stream.
@Suite("Live clients: nothing left after 500 connect, read and drop", .serialized, .timeLimit(.minutes(2)))
struct LiveClientLeakTests {
    enum Kind: CaseIterable {
        case taskSocket, logSocket, eventStream
    }

    /// Descriptors open in this process.
    static func openDescriptors() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
    }

    /// One client: connects, reads its first message, then closes cleanly or drops.
    static func client(_ kind: Kind, port: Int, token: String, taskID: String, clean: Bool) async throws {
        let connection = try await RawConnection.connect(port: port)
        let upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        let head: String
        let firstMessage: String
        switch kind {
        case .taskSocket:
            head = "GET /ws/tasks/\(taskID)?token=\(token) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(upgrade)\r\n"
            firstMessage = "task_status"
        case .logSocket:
            head = "GET /ws/logs?token=\(token) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(upgrade)\r\n"
            firstMessage = "connected"
        case .eventStream:
            head = "GET /api/v1/tasks/\(taskID)/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n"
                + "Accept: text/event-stream\r\n\r\n"
            firstMessage = "data:"
        }
        await connection.send(head)
        let read = try await connection.wait(timeout: .seconds(10)) { connection.text.contains(firstMessage) }
        #expect(read, "\(kind) read no message: \(connection.text.prefix(300))")
        if clean && kind != .eventStream {
            // A masked close frame (code 1000, zero mask), then the server's close.
            await connection.send(bytes: [0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE8])
            #expect(try await connection.waitForClose(timeout: .seconds(10)), "\(kind): the server did not close after the client's close")
        }
        await connection.close()
    }

    @Test("500 WebSocket and SSE clients: afterwards no hub feed, no open connection, descriptors back to where they were")
    func noLeaks() async throws {
        try await LiveServer.with(configure: { configuration in
            configuration.webSockets = WebSocketLimits(perUser: 1000, perTenant: 1000, total: 1000)
            configuration.eventStreams = ConnectionLimits(perUser: 1000, perTenant: 1000, total: 1000)
            configuration.connections.maxConnectionsPerClient = 2000
        }) { server in
            let token = try await server.key("acme")
            let agent = try await server.store.makeAgent(name: "echo", tenantID: "acme")
            // No workers here: the tasks stay queued, so every stream is still open when dropped.
            var tasks: [String] = []
            for _ in 0..<20 { tasks.append(try await server.store.submit(agent).id) }
            // Warm up (client event loops, the store's connections), then take the baseline.
            for kind in Kind.allCases {
                try await Self.client(kind, port: server.port, token: token, taskID: tasks[0], clean: false)
            }
            _ = try await server.eventually(.seconds(5)) { server.gauge("websocket_connections") + server.gauge("event_streams") == 0 }
            let baseline = Self.openDescriptors()

            let total = 500
            let batch = 50
            for start in stride(from: 0, to: total, by: batch) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in start..<min(total, start + batch) {
                        let kind = Kind.allCases[index % Kind.allCases.count]
                        let task = tasks[index % tasks.count]
                        group.addTask {
                            try await Self.client(kind, port: server.port, token: token, taskID: task, clean: index % 2 == 0)
                        }
                    }
                    try await group.waitForAll()
                }
            }

            #expect(
                try await server.eventually(.seconds(10)) { server.gauge("task_event_feeds") == 0 },
                "hub feeds left: \(server.gauge("task_event_feeds"))")
            #expect(
                try await server.eventually(.seconds(10)) { server.gauge("websocket_connections") == 0 },
                "WebSocket slots left: \(server.gauge("websocket_connections"))")
            #expect(
                try await server.eventually(.seconds(10)) { server.gauge("event_streams") == 0 },
                "event streams left: \(server.gauge("event_streams"))")
            let margin = 8
            #expect(
                try await server.eventually(.seconds(10)) { Self.openDescriptors() <= baseline + margin },
                "descriptors: \(Self.openDescriptors()) now, \(baseline) before")
        }
    }
}
