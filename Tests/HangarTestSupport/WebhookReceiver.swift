import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix

/// A local webhook receiver: records every POST with its Standard Webhooks headers and body,
/// answers 503 to the first `failFirst` requests and 200 afterwards.
public actor WebhookReceiver {
    public struct Received: Sendable {
        public var path: String
        public var id: String?
        public var timestamp: String?
        public var signature: String?
        public var body: [UInt8]
        /// The `Host` the sender named (a request to a pinned address still names the host).
        public var host: String?
        /// What the receiver answered.
        public var status: Int
        /// When the request arrived.
        public var arrivedAt = Date()
        /// Every header, by lowercased name (repeated ones joined with ", ").
        public var headers: [String: String] = [:]
    }

    public private(set) var received: [Received] = []
    private var failFirst: Int

    public init(failFirst: Int = 0) {
        self.failFirst = failFirst
    }

    /// Requests answered with 2xx.
    public var accepted: [Received] { received.filter { (200..<300).contains($0.status) } }

    func handle(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        let status = failFirst > 0 ? 503 : 200
        failFirst = max(0, failFirst - 1)
        func header(_ name: String) -> String? { HTTPField.Name(name).flatMap { request.headers[$0] } }
        received.append(
            Received(
                path: request.uri.path, id: header("webhook-id"), timestamp: header("webhook-timestamp"),
                signature: header("webhook-signature"), body: Array(buffer: body), host: request.head.authority ?? header("host"),
                status: status,
                headers: request.headers.reduce(into: [:]) { all, field in
                    let name = field.name.canonicalName
                    all[name] = all[name].map { $0 + ", " + field.value } ?? field.value
                }))
        return Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "text/plain"],
            body: .init(byteBuffer: ByteBuffer(string: status == 200 ? "thanks" : "busy, try later")))
    }

    /// A loopback port nothing listens on (for a receiver that starts late).
    public static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }

    /// Runs the receiver on `port` (0: any free one) for the duration of `body`.
    public func run(port: Int = 0, _ body: @Sendable (_ url: String) async throws -> Void) async throws {
        let router = Router()
        router.post("**") { request, _ in try await self.handle(request) }
        guard port != 0 else {
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await app.test(.live) { client in
                try await body("http://127.0.0.1:\(client.port!)")
            }
            return
        }
        // The live test client picks its own port; a receiver that starts late needs the one it was given.
        let (ready, readyContinuation) = AsyncStream<Void>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in readyContinuation.yield() })
        let server = Task { try await app.runService() }
        for await _ in ready { break }
        do {
            try await body("http://127.0.0.1:\(port)")
        } catch {
            server.cancel()
            _ = await server.result
            throw error
        }
        server.cancel()
        _ = await server.result
    }
}
