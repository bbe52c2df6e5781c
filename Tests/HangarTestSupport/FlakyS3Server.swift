import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

/// A local stand-in for an S3 endpoint that can be made to fail: it keeps the objects it is
/// sent (path-style `PUT /{bucket}/{key}`, `GET`, `DELETE`, answering as S3 does), and while
/// `mode` says so answers every request with a 5xx and S3's XML error, or accepts it and does
/// not answer (until the mode changes back, at most a minute).
public actor FlakyS3Server {
    public enum Mode: Sendable, Equatable {
        case healthy
        case failing(status: Int)
        case stalling
    }

    public var mode: Mode = .healthy
    /// Requests received, by mode at arrival (the failing and stalled ones included).
    public private(set) var requests: [(method: String, path: String, mode: Mode)] = []
    private var objects: [String: Data] = [:]

    public init() {}

    public func set(_ mode: Mode) { self.mode = mode }
    public func object(_ path: String) -> Data? { objects[path] }
    public func count(in mode: Mode) -> Int { requests.filter { $0.mode == mode }.count }

    func handle(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 << 20)
        let path = request.uri.path
        let arrivedIn = mode
        requests.append((request.method.rawValue, path, arrivedIn))
        switch arrivedIn {
        case .failing(let status):
            return Self.error(status, code: status == 503 ? "SlowDown" : "InternalError", message: "stand-in failure")
        case .stalling:
            // Holds the request open; the client's timeout is what ends it.
            let deadline = ContinuousClock.now + .seconds(60)
            while mode == .stalling, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            return Self.error(503, code: "SlowDown", message: "stand-in stall ended")
        case .healthy:
            switch request.method {
            case .put:
                objects[path] = Data(body.readableBytesView)
                return Response(status: .ok, headers: [.eTag: "\"stand-in\""])
            case .get:
                guard let data = objects[path] else { return Self.error(404, code: "NoSuchKey", message: "The specified key does not exist.") }
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: data)))
            case .delete:
                objects[path] = nil
                return Response(status: .noContent)
            default:
                return Self.error(405, code: "MethodNotAllowed", message: "not supported by the stand-in")
            }
        }
    }

    static func error(_ status: Int, code: String, message: String) -> Response {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>\(code)</Code><Message>\(message)</Message><RequestId>standin</RequestId></Error>"
        return Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "application/xml"], body: .init(byteBuffer: ByteBuffer(string: xml)))
    }

    /// Serves on a free loopback port for the duration of `body`.
    public func run(_ body: @Sendable (_ url: String) async throws -> Void) async throws {
        let router = Router()
        router.on("**", method: .put) { request, _ in try await self.handle(request) }
        router.on("**", method: .get) { request, _ in try await self.handle(request) }
        router.on("**", method: .delete) { request, _ in try await self.handle(request) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            // Healthy again at the end: that ends stalled handlers, so the server can stop.
            do {
                try await body("http://127.0.0.1:\(client.port!)")
            } catch {
                await self.set(.healthy)
                throw error
            }
            await self.set(.healthy)
        }
    }
}
