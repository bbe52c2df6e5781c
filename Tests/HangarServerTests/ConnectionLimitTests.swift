import Foundation
import HangarServer
import Testing

/// Raw TCP against the server as `hangar serve` builds it: what a client that misbehaves below
/// HTTP (huge or slow request heads, many connections) gets.
@Suite("HTTP connection limits", .serialized, .timeLimit(.minutes(1)))
struct ConnectionLimitTests {
    static let health = "GET /api/v1/health HTTP/1.1\r\nHost: hangar\r\n"

    @Test("An oversized request head gets 431 as JSON and the connection is closed, never 200")
    func oversizedHead() async throws {
        try await LiveServer.with { server in
            let connection = try await RawConnection.connect(port: server.port)
            await connection.send(Self.health + "X-Big: " + String(repeating: "a", count: 200 * 1024) + "\r\n\r\n")
            #expect(try await connection.waitForClose(timeout: .seconds(5)))
            let text = connection.text
            #expect(text.hasPrefix("HTTP/1.1 431"), "\(text.prefix(200))")
            #expect(text.contains(#""status_code":431"#) && text.contains("HANGAR_MAX_HEADER_BYTES"))
            #expect(!text.contains(" 200 "))

            // A request line alone beyond the limit is 414.
            let long = try await RawConnection.connect(port: server.port)
            await long.send("GET /" + String(repeating: "a", count: 40 * 1024))
            #expect(try await long.waitForClose(timeout: .seconds(5)))
            #expect(long.text.hasPrefix("HTTP/1.1 414"), "\(long.text.prefix(200))")
        }
    }

    @Test("Heads within the limit are served, several on one keep-alive connection")
    func keepAlive() async throws {
        try await LiveServer.with { server in
            let connection = try await RawConnection.connect(port: server.port)
            for index in 1...3 {
                await connection.send(Self.health + "X-Fill: " + String(repeating: "b", count: 16 * 1024) + "\r\n\r\n")
                let served = try await connection.wait(timeout: .seconds(5)) {
                    connection.text.components(separatedBy: "HTTP/1.1 200").count - 1 == index
                }
                #expect(served, "request \(index): \(connection.text.suffix(300))")
            }
            // A POST body after its head is not mistaken for the next head.
            let body = String(repeating: "c", count: 40 * 1024)
            await connection.send("POST /api/v1/health HTTP/1.1\r\nHost: hangar\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)
            let answered = try await connection.wait(timeout: .seconds(5)) { connection.text.components(separatedBy: "HTTP/1.1 ").count - 1 == 4 }
            #expect(answered, "\(connection.text.suffix(300))")
            #expect(!connection.text.contains("HTTP/1.1 431") && !connection.isClosed)
            await connection.close()
        }
    }

    @Test("A client that sends half a request head, or nothing, is closed after the header timeout")
    func slowHead() async throws {
        try await LiveServer.with(configure: { $0.connections.headerTimeout = .seconds(1) }) { server in
            let started = ContinuousClock.now
            let slow = try await RawConnection.connect(port: server.port)
            let silent = try await RawConnection.connect(port: server.port)
            await slow.send("GET /api/v1/health HTTP/1.1\r\nHost: hangar\r\n")
            #expect(try await slow.waitForClose(timeout: .seconds(5)))
            #expect(try await silent.waitForClose(timeout: .seconds(5)))
            let elapsed = ContinuousClock.now - started
            #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(4), "\(elapsed)")
            #expect(slow.text.hasPrefix("HTTP/1.1 408") && slow.text.contains("HANGAR_HEADER_TIMEOUT"), "\(slow.text)")
            #expect(silent.text.isEmpty)

            // On a keep-alive connection the clock starts with the next request's first byte.
            let kept = try await RawConnection.connect(port: server.port)
            await kept.send(Self.health + "\r\n")
            #expect(try await kept.wait(timeout: .seconds(5)) { kept.text.contains("HTTP/1.1 200") })
            try await Task.sleep(for: .milliseconds(600))
            await kept.send("GET /api/v1/health HTTP/1.1\r\n")
            try await Task.sleep(for: .milliseconds(600))
            #expect(!kept.isClosed, "1.2 s after connecting, 0.6 s into the second head")
            #expect(try await kept.waitForClose(timeout: .seconds(5)))
            #expect(kept.text.contains("HTTP/1.1 408"))
        }
    }

    @Test("An idle keep-alive connection is closed after the idle timeout")
    func idle() async throws {
        try await LiveServer.with(configure: { $0.connections.idleTimeout = .seconds(1) }) { server in
            let connection = try await RawConnection.connect(port: server.port)
            await connection.send(Self.health + "\r\n")
            #expect(try await connection.wait(timeout: .seconds(5)) { connection.text.contains("HTTP/1.1 200") })
            let served = ContinuousClock.now
            #expect(try await connection.waitForClose(timeout: .seconds(5)))
            let elapsed = ContinuousClock.now - served
            #expect(elapsed >= .milliseconds(800) && elapsed < .seconds(4), "\(elapsed)")
        }
    }

    @Test("Connections beyond the per-client limit are closed at accept; a freed slot is usable again")
    func perClient() async throws {
        // The test framework's own client holds one connection from the same address: 1 + 3 held.
        try await LiveServer.with(configure: { $0.connections.maxConnectionsPerClient = 4 }) { server in
            var held: [RawConnection] = []
            for _ in 0..<3 {
                let connection = try await RawConnection.connect(port: server.port)
                await connection.send(Self.health + "\r\n")
                #expect(try await connection.wait(timeout: .seconds(5)) { connection.text.contains("HTTP/1.1 200") })
                held.append(connection)
            }
            for _ in 0..<3 {
                let extra = try await RawConnection.connect(port: server.port)
                #expect(try await extra.waitForClose(timeout: .seconds(5)), "a 4th connection is closed")
                #expect(extra.text.isEmpty)
            }
            #expect(held.allSatisfy { !$0.isClosed })
            await held[0].close()
            let again = try await server.eventually {
                let connection = try await RawConnection.connect(port: server.port)
                await connection.send(Self.health + "\r\n")
                let served = try await connection.wait(timeout: .seconds(1)) { connection.text.contains("HTTP/1.1 200") }
                await connection.close()
                return served
            }
            #expect(again)
            for connection in held { await connection.close() }
        }
    }
}
