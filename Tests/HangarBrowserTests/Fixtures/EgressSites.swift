import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Two servers on 127.0.0.1 for the egress tests: an "internal" one that answers anything and
/// records every request it gets, and a "public" one (marked reachable by the test's decider)
/// whose pages try to reach the internal one in every way a page can.
actor HitLog {
    private(set) var paths: [String] = []

    func record(_ path: String) { paths.append(path) }
}

/// Answers every request with a small page and records its path: the proof of a hit.
struct RecordingResponder<Context: RequestContext>: RouterMiddleware {
    let log: HitLog

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        await log.record(request.uri.path)
        return Response(
            status: .ok, headers: [.contentType: "text/html", .accessControlAllowOrigin: "*"],
            body: .init(byteBuffer: ByteBuffer(string: "<title>internal</title>secret")))
    }
}

enum EgressSites {
    /// The public page: an image, an iframe, a fetch and a WebSocket, all aimed at `inside`
    /// (`127.0.0.1:PORT`); `window.finished` turns true once each has succeeded or failed.
    static func page(inside: String) -> String {
        """
        <!doctype html><html><head><title>public</title></head><body>
        <img id="img" src="http://\(inside)/img.png"><iframe src="http://\(inside)/frame"></iframe>
        <script>
        window.results = {};
        const settled = [
          fetch('http://\(inside)/fetch').then(r => r.text()).then(() => 'reached', () => 'blocked').then(v => results.fetch = v),
          new Promise(done => { const ws = new WebSocket('ws://\(inside)/ws');
            ws.onopen = () => done('reached'); ws.onerror = () => done('blocked'); }).then(v => results.ws = v),
          new Promise(done => { const i = document.getElementById('img'); if (i.complete) done(); i.onload = i.onerror = () => done(); }),
        ];
        Promise.all(settled).then(() => window.finished = true);
        </script></body></html>
        """
    }

    /// Serves the internal site and the public one on free loopback ports for `body`.
    static func serve(_ body: @Sendable (_ hits: HitLog, _ internalPort: Int, _ publicPort: Int) async throws -> Void) async throws {
        let hits = HitLog()
        let internalRouter = Router()
        internalRouter.add(middleware: RecordingResponder(log: hits))
        try await run(internalRouter) { internalPort in
            let inside = "127.0.0.1:\(internalPort)"
            let publicRouter = Router()
            publicRouter.get("page") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: page(inside: inside))))
            }
            publicRouter.get("redirect") { _, _ in
                Response(status: .found, headers: [.location: "http://\(inside)/redirected"])
            }
            try await run(publicRouter) { publicPort in try await body(hits, internalPort, publicPort) }
        }
    }

    private static func run(_ router: Router<BasicRequestContext>, _ body: (Int) async throws -> Void) async throws {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            })
        let server = Task { try await app.run() }
        do {
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else { throw SignupSiteError(message: "a fixture server did not start") }
            try await body(port)
            server.cancel()
            _ = await server.result
        } catch {
            server.cancel()
            _ = await server.result
            throw error
        }
    }
}
