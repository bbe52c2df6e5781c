import Foundation
import HangarBrowser
import HangarCore
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// The SOCKS5 side of the egress proxy, byte for byte from a raw socket client.
@Suite("Egress proxy: SOCKS5 protocol", .timeLimit(.minutes(2)))
struct EgressProxyTests {
    static let greeting: [UInt8] = [5, 1, 0]

    static func connect(ipv4 port: Int) -> [UInt8] { [5, 1, 0, 1, 127, 0, 0, 1] + portBytes(port) }

    static func connect(domain: String, port: Int) -> [UInt8] {
        [5, 1, 0, 3, UInt8(domain.utf8.count)] + Array(domain.utf8) + portBytes(port)
    }

    static func portBytes(_ port: Int) -> [UInt8] { [UInt8(port >> 8), UInt8(port & 0xFF)] }

    /// A proxy with `decider` (default: the browsing policy without private networks).
    static func withProxy(
        _ decider: EgressDecider = .policy(.browsing(allowPrivateNetworks: false)), _ body: (EgressProxy) async throws -> Void
    ) async throws {
        let proxy = try await EgressProxy.start(decider: decider, handshakeTimeout: .seconds(2))
        defer { proxy.close() }
        try await body(proxy)
    }

    @Test("a greeting that is not SOCKS5 is dropped without a reply")
    func badVersion() async throws {
        try await Self.withProxy { proxy in
            let client = try RawSocket(port: proxy.port)
            try await client.write([4, 1, 0])
            #expect(await client.isClosedByPeer())
        }
    }

    @Test("a client offering only authentication methods gets 0xFF and is closed")
    func noAcceptableMethod() async throws {
        try await Self.withProxy { proxy in
            let client = try RawSocket(port: proxy.port)
            try await client.write([5, 1, 2])
            #expect(await client.read(2) == [5, 0xFF])
            #expect(await client.isClosedByPeer())
        }
    }

    @Test("BIND and UDP ASSOCIATE are refused with 0x07; an unknown address type with 0x08")
    func unsupported() async throws {
        try await Self.withProxy { proxy in
            let cases: [([UInt8], UInt8)] = [([5, 2, 0, 1, 1, 1, 1, 1, 0, 80], 7), ([5, 3, 0, 1, 1, 1, 1, 1, 0, 80], 7), ([5, 1, 0, 9, 1, 2], 8)]
            for (request, code) in cases {
                let client = try RawSocket(port: proxy.port)
                try await client.write(Self.greeting + request)
                #expect(await client.read(2) == [5, 0])
                #expect(await client.read(10) == [5, code, 0, 1, 0, 0, 0, 0, 0, 0])
                #expect(await client.isClosedByPeer())
            }
        }
    }

    @Test("a domain name longer than DNS allows (or empty) is unreachable (0x04), never resolved")
    func domainTooLong() async throws {
        let lookups = LookupCounter()
        let decider = EgressDecider.policy(.browsing(allowPrivateNetworks: true)) { _ in
            lookups.count.withLock { $0 += 1 }
            return ["127.0.0.1"]
        }
        try await Self.withProxy(decider) { proxy in
            for name in [String(repeating: "a", count: 254), ""] {
                let client = try RawSocket(port: proxy.port)
                try await client.write(Self.greeting + Self.connect(domain: name, port: 80))
                #expect(await client.read(2) == [5, 0])
                #expect(await client.read(10).prefix(2) == [5, 4])
            }
        }
        #expect(lookups.count.withLock { $0 } == 0)
    }

    @Test("internal destinations are refused with 0x02 (IPv4, IPv6, names) and recorded with the reason")
    func refusedByPolicy() async throws {
        try await Self.withProxy { proxy in
            let start = ContinuousClock.now
            let ipv6Loopback: [UInt8] = [5, 1, 0, 4] + [UInt8](repeating: 0, count: 15) + [1] + Self.portBytes(8080)
            for request in [Self.connect(ipv4: 8080), ipv6Loopback, Self.connect(domain: "localhost", port: 8080)] {
                let client = try RawSocket(port: proxy.port)
                try await client.write(Self.greeting + request)
                #expect(await client.read(2) == [5, 0])
                #expect(await client.read(10).prefix(2) == [5, 2])
                #expect(await client.isClosedByPeer())
            }
            let refusals = proxy.refusals(since: start)
            #expect(refusals.map(\.host) == ["127.0.0.1", "::1", "localhost"])
            #expect(refusals.allSatisfy { $0.internalAddress && $0.reply == .notAllowed && $0.port == 8080 })
        }
    }

    @Test("an allowed name is resolved once and spliced to that address, over IPv4 and IPv6; a closed port is 0x05")
    func splices() async throws {
        let lookups = LookupCounter()
        let decider = EgressDecider.policy(.browsing(allowPrivateNetworks: true)) { name in
            lookups.count.withLock { $0 += 1 }
            return name == "echo.test" ? ["127.0.0.1"] : []
        }
        try await EchoServer.run { port4, port6 in
            try await Self.withProxy(decider) { proxy in
                let client = try RawSocket(port: proxy.port)
                // Bytes sent ahead of the reply are kept and forwarded once connected.
                try await client.write(Self.greeting + Self.connect(domain: "echo.test", port: port4) + Array("early ".utf8))
                #expect(await client.read(2) == [5, 0])
                let reply = await client.read(10)
                #expect(reply.prefix(4) == [5, 0, 0, 1] && reply[4...7] == [127, 0, 0, 1])
                // 4 MiB, written from another thread while this one reads: more than the socket
                // buffers hold, so the splice's back-pressure has to pause and resume reading.
                let payload = Array(repeating: Array("0123456789abcdef".utf8), count: 256 * 1024).flatMap { $0 }
                let writer = Thread { try? client.writeBlocking(payload) }
                writer.start()
                #expect(await client.read(6 + payload.count) == Array("early ".utf8) + payload)
                #expect(lookups.count.withLock { $0 } == 1)

                let six = try RawSocket(port: proxy.port)
                try await six.write(Self.greeting + [5, 1, 0, 4] + [UInt8](repeating: 0, count: 15) + [1] + Self.portBytes(port6))
                #expect(await six.read(2) == [5, 0])
                #expect(await six.read(22).prefix(4) == [5, 0, 0, 4])
                try await six.write(Array("over v6".utf8))
                #expect(await six.read(7) == Array("over v6".utf8))

                let closed = try RawSocket(port: proxy.port)
                try await closed.write(Self.greeting + Self.connect(ipv4: 1))
                #expect(await closed.read(2) == [5, 0])
                #expect(await closed.read(10).prefix(2) == [5, 5])

                let unknown = try RawSocket(port: proxy.port)
                try await unknown.write(Self.greeting + Self.connect(domain: "nowhere.test", port: 80))
                #expect(await unknown.read(2) == [5, 0])
                #expect(await unknown.read(10).prefix(2) == [5, 4])
            }
        }
    }

    @Test("a client that never finishes its handshake is dropped")
    func handshakeTimeout() async throws {
        try await Self.withProxy { proxy in
            let client = try RawSocket(port: proxy.port)
            try await client.write([5, 1])
            #expect(await client.isClosedByPeer())
        }
    }
}

/// Echoes every byte back, on 127.0.0.1 and ::1.
enum EchoServer {
    final class Echo: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.write(data, promise: nil) }
        func channelReadComplete(context: ChannelHandlerContext) { context.flush() }
    }

    static func run(_ body: (_ port4: Int, _ port6: Int) async throws -> Void) async throws {
        func bind(_ host: String) async throws -> any Channel {
            try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Echo()) }
                }
                .bind(host: host, port: 0).get()
        }
        let four = try await bind("127.0.0.1")
        let six = try await bind("::1")
        do {
            try await body(four.localAddress?.port ?? 0, six.localAddress?.port ?? 0)
        } catch {
            try? await four.close()
            try? await six.close()
            throw error
        }
        try? await four.close()
        try? await six.close()
    }
}

/// Counts name lookups from the decider's resolver (a class: closures cannot capture a `Mutex`).
final class LookupCounter: Sendable {
    let count = Mutex(0)
}
