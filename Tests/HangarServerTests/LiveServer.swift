import Foundation
import HangarAuth
import HangarCore
import HangarRuntime
import HangarServer
import HangarStore
import HangarTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The application as `hangar serve` builds it (`buildApplication`: the same server, limits and
/// routes), on a free port, with authentication on and a metrics registry of its own.
struct LiveServer: Sendable {
    let client: any TestClientProtocol
    let store: any HangarStore
    let port: Int
    let metrics: HangarMetrics

    /// A new operator key of `tenant` (created if needed).
    func key(_ tenant: String) async throws -> String {
        try await store.tenantUpsert(id: tenant, name: tenant)
        let (id, secret, token) = APIKeyToken.generate()
        let key = APIKey(id: id, tenantID: tenant, name: "k", role: .operator, secretHash: APIKeyToken.hash(secret), createdAt: Date())
        try await store.apiKeyInsert(key)
        return token
    }

    /// The sum of a gauge's series in this server's metrics.
    func gauge(_ name: String) -> Double {
        metrics.render().split(separator: "\n")
            .filter { $0.hasPrefix(name + "{") || $0.hasPrefix(name + " ") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            .reduce(0, +)
    }

    /// Waits until `condition` holds; false if it does not within `timeout`.
    func eventually(_ timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }

    static func with(
        configure: @Sendable (inout ServerConfiguration) -> Void = { _ in }, _ body: @escaping @Sendable (LiveServer) async throws -> Void
    ) async throws {
        try await withTestStore(.sqlite) { store, _ in
            var configuration = ServerConfiguration(port: 0, sseKeepAlive: .milliseconds(100))
            configure(&configuration)
            let metrics = HangarMetrics()
            let app = buildApplication(
                store: store, registry: .standard, configuration: configuration, authenticator: try await Authenticator(store: store, cacheTTL: 0),
                vault: .testing, logger: Logger(label: "hangar.test"), metrics: metrics)
            try await app.test(.live) { client in
                try await body(LiveServer(client: client, store: store, port: try #require(client.port), metrics: metrics))
            }
        }
    }
}
