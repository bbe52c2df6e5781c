import Foundation
import HangarBrowser
import HangarCore
import Testing

/// Remote browsers a tenant names (a Neko `url`, a `devtools_url`) are reached through an
/// egress proxy that applies the network policy to the address it connects to; the
/// operator's named environments are reached directly.
@Suite("Remote browser endpoints through the egress proxy", .serialized, .timeLimit(.minutes(2)))
struct EndpointEgressTests {
    static func neko(_ base: String) -> EnvironmentSpec { .neko(url: base, username: "admin", password: "neko-admin") }

    @Test("A Neko server on loopback: refused before any byte reaches it, reached with private networks allowed or when the operator named it")
    func nekoOnLoopback() async throws {
        let server = NekoStandIn()
        try await server.serve { base in
            let size = ScreenSize(width: 1280, height: 720)
            await #expect(throws: (any Error).self) {
                let environment = try await StandardEnvironments.factory()(Self.neko(base), size, .web)
                await environment.close()
            }
            #expect(await server.logins == 0, "the refused login reached the server")

            // Allowed: the login (HTTP) and the event socket (WebSocket) both go through the proxy.
            let allowed = try await StandardEnvironments.factory(allowPrivateNetworks: true)(Self.neko(base), size, .web)
            #expect(try await allowed.screenSize() == size)
            await allowed.close()
            #expect(await server.logins == 1)

            let named = try await StandardEnvironments.factory(trustedEndpoints: [base])(Self.neko(base), size, .web)
            await named.close()
            #expect(await server.logins == 2)
        }
    }

    @Test("DNS rebinding: the proxy connects to the address it checked; the client never resolves the name itself")
    func pinnedAddress() async throws {
        let server = NekoStandIn()
        try await server.serve { base in
            let port = try #require(URLComponents(string: base)?.port)
            // `neko.rebind.test` resolves only in the proxy's resolver.
            let resolver: @Sendable (String) -> [String] = { $0 == "neko.rebind.test" ? ["127.0.0.1"] : [] }
            let open = StandardEnvironments.factory(
                allowPrivateNetworks: true, endpointDecider: .policy(.browsing(allowPrivateNetworks: true), resolve: resolver))
            let environment = try await open(Self.neko("http://neko.rebind.test:\(port)"), ScreenSize(width: 1280, height: 720), .web)
            await environment.close()
            #expect(await server.logins == 1)

            // The same name resolving to loopback, with private networks refused: nothing connects.
            let closed = StandardEnvironments.factory(endpointDecider: .policy(.browsing(allowPrivateNetworks: false), resolve: resolver))
            await #expect(throws: (any Error).self) {
                let environment = try await closed(Self.neko("http://neko.rebind.test:\(port)"), ScreenSize(width: 1280, height: 720), .web)
                await environment.close()
            }
            #expect(await server.logins == 1)
        }
    }
}
