import Foundation
import HangarBrowser
import HangarCore
import Testing

/// The egress proxy on real headless Chromium. The "public" origin is a loopback server the
/// test's decider lets through; every other destination meets the real network policy in the
/// real proxy. The internal server's hit log is the proof: zero hits means nothing got there.
@Suite("Browser egress through the network policy", .serialized, .timeLimit(.minutes(5)))
struct EgressPolicyTests {
    /// Lets `127.0.0.1:publicPort` through as if it were a public site; the policy decides the rest.
    static func launcher(publicPort: Int, allowPrivateNetworks: Bool) -> ChromiumLauncher {
        let policy = EgressDecider.policy(.browsing(allowPrivateNetworks: allowPrivateNetworks))
        let decider = EgressDecider { host, port in
            host == "127.0.0.1" && port == publicPort ? .connect(addresses: ["127.0.0.1"]) : policy.decide(host: host, port: port)
        }
        return ChromiumLauncher(network: .browsing(allowPrivateNetworks: allowPrivateNetworks), egress: decider)
    }

    @Test("private networks refused: direct, by name, by redirect, and from a page's img, iframe, fetch and WebSocket")
    func refused() async throws {
        try await EgressSites.serve { hits, internalPort, publicPort in
            let env = try await CDPEnvironment.launch(Self.launcher(publicPort: publicPort, allowPrivateNetworks: false))
            do {
                for url in ["http://127.0.0.1:\(internalPort)/direct", "http://localhost:\(internalPort)/by-name"] {
                    do {
                        try await env.navigate(to: url)
                        Issue.record("navigating to \(url) should fail")
                    } catch let error as CDPError {
                        guard case .refusedByNetworkPolicy(_, _, let reason, let internalAddress) = error else {
                            Issue.record("expected a network policy refusal, got \(error)")
                            continue
                        }
                        #expect(internalAddress && reason.contains("internal address"))
                        #expect(error.description.contains("network policy") && error.description.contains("HANGAR_ALLOW_PRIVATE_NETWORKS"))
                    }
                }
                // Chromium shows its error page, not the internal one.
                #expect(try await env.page().title != "internal")

                await #expect(throws: CDPError.self) { try await env.navigate(to: "http://127.0.0.1:\(publicPort)/redirect") }

                try await env.navigate(to: "http://127.0.0.1:\(publicPort)/page")
                #expect(try await env.page().title == "public")
                #expect(try await Self.waitUntilFinished(env))
                #expect(try await env.evaluate("[results.fetch, results.ws]") == ["blocked", "blocked"])
                #expect(await hits.paths == [])
            } catch {
                await env.close()
                throw error
            }
            await env.close()
        }
    }

    @Test("with allowPrivateNetworks the same page, redirect and subresources reach the private server")
    func allowed() async throws {
        try await EgressSites.serve { hits, internalPort, publicPort in
            let env = try await CDPEnvironment.launch(Self.launcher(publicPort: publicPort, allowPrivateNetworks: true))
            do {
                try await env.navigate(to: "http://127.0.0.1:\(internalPort)/direct")
                #expect(try await env.page().title == "internal")
                try await env.navigate(to: "http://127.0.0.1:\(publicPort)/redirect")
                #expect(try await env.page().url == "http://127.0.0.1:\(internalPort)/redirected")

                try await env.navigate(to: "http://127.0.0.1:\(publicPort)/page")
                #expect(try await Self.waitUntilFinished(env))
                #expect(try await env.evaluate("results.fetch") == "reached")
                let paths = Set(await hits.paths)
                #expect(paths.isSuperset(of: ["/direct", "/redirected", "/img.png", "/frame", "/fetch", "/ws"]), "\(paths)")
            } catch {
                await env.close()
                throw error
            }
            await env.close()
        }
    }

    /// Polls `window.finished` for up to 15 s (each blocked load fails fast; allowed ones load).
    static func waitUntilFinished(_ env: CDPEnvironment) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if try await env.evaluate("window.finished === true") == true { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}
