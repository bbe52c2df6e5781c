import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The pages on loopback, and every form POSTed to `/submit`.
actor FixtureSite {
    private(set) var submissions: [[String: String]] = []

    func record(_ form: [String: String]) { submissions.append(form) }

    /// Serves the fixture pages on 127.0.0.1 (a free port) for the duration of `body`.
    static func serve<T: Sendable>(_ body: @Sendable (FixtureSite, _ baseURL: String) async throws -> T) async throws -> T {
        let site = FixtureSite()
        let router = Router()
        router.get("form") { _, _ in Self.page(FixturePages.form) }
        router.get("long") { _, _ in Self.page(FixturePages.longList) }
        router.get("tap") { _, _ in Self.page(FixturePages.tapTarget) }
        router.get("text") { _, _ in Self.page(FixturePages.text) }
        router.post("submit") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 16)
            await site.record(Self.parseForm(String(buffer: body)))
            return Self.page(FixturePages.thanks)
        }
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) })
        let server = Task { try await app.runService() }
        var port = 0
        for await value in ports {
            port = value
            break
        }
        do {
            let result = try await body(site, "http://127.0.0.1:\(port)")
            server.cancel()
            _ = await server.result
            return result
        } catch {
            server.cancel()
            _ = await server.result
            throw error
        }
    }

    static func page(_ html: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// `application/x-www-form-urlencoded`: `+` is a space, then percent-decoding.
    static func parseForm(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part)
            }
            guard let name = parts.first else { continue }
            fields[decode(name)] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }
}
