import Foundation
import Hummingbird
import NIOCore

/// A small web site for driving a real browser: a form whose fields sit at known places on a
/// 1280 × 720 viewport, and a long list after submitting it. The server records what the page
/// sent it (the form's fields, the scroll position the page reports), so a test checks what
/// the browser really did.
actor SignupSite {
    private(set) var submissions: [[String: String]] = []
    private(set) var scrollReports: [Double] = []

    /// The name field: 400 × 40 at (100, 100), so its centre is (300, 120).
    static let fieldCentre = (x: 300.0, y: 120.0)
    /// The submit button: 200 × 50 at (100, 200), centre (200, 225).
    static let buttonCentre = (x: 200.0, y: 225.0)

    static let formPage = """
        <!doctype html><html><head><title>Sign up</title><style>
        body { margin: 0; font: 16px sans-serif; }
        #name { position: absolute; left: 100px; top: 100px; width: 400px; height: 40px; box-sizing: border-box; }
        #go { position: absolute; left: 100px; top: 200px; width: 200px; height: 50px; }
        </style></head><body>
        <form method="post" action="/submit"><input id="name" name="name" autocomplete="off"><button id="go" type="submit">Send</button></form>
        </body></html>
        """

    static let listPage: String = {
        let items = (1...300).map { "<li style=\"height: 40px\">Item \($0)</li>" }.joined()
        return """
            <!doctype html><html><head><title>Thanks</title></head><body style="margin: 0; font: 16px sans-serif">
            <h1>Thanks</h1><ul id="list">\(items)</ul>
            <script>
            let last = -1;
            addEventListener('scroll', () => {
              if (scrollY !== last) { last = scrollY; fetch('/scrolled?y=' + scrollY, {method: 'POST'}); }
            });
            </script></body></html>
            """
    }()

    private func record(form: [String: String]) { submissions.append(form) }
    private func record(scroll: Double) { scrollReports.append(scroll) }

    nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/") { _, _ in Self.html(Self.formPage) }
        router.post("/submit") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 16)
            await self.record(form: Self.formFields(String(buffer: body)))
            return Self.html(Self.listPage)
        }
        router.post("/scrolled") { request, _ in
            await self.record(scroll: request.uri.queryParameters["y"].flatMap { Double(String($0)) } ?? -1)
            return Response(status: .noContent)
        }
        return router
    }

    static func html(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            if let key = parts.first { fields[key] = parts.count > 1 ? parts[1] : "" }
        }
        return fields
    }

    /// Serves the site on a free loopback port for the duration of `body`.
    func run(_ body: @Sendable (_ url: String) async throws -> Void) async throws {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            })
        let server = Task { try await app.run() }
        do {
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else { throw SignupSiteError(message: "the fixture site did not start") }
            try await body("http://127.0.0.1:\(port)")
            server.cancel()
            _ = await server.result
        } catch {
            server.cancel()
            _ = await server.result
            throw error
        }
    }
}

struct SignupSiteError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
