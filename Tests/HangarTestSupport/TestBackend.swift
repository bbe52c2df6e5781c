import Foundation
import HangarBackends
import HangarCore
public import HangarStore

/// The backends every conformance and runtime test runs against.
public enum TestBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { rawValue }
}

public struct MissingTestDatabase: Error, CustomStringConvertible {
    public var description: String {
        "HANGAR_TEST_DATABASE_URL is not set. PostgreSQL tests never skip: run `scripts/test`, which starts a "
            + "throwaway PostgreSQL server, or export HANGAR_TEST_DATABASE_URL=postgres://user@127.0.0.1:port/db"
    }
}

/// A fresh, isolated database per call: a new SQLite file, or a new PostgreSQL schema.
public struct TestDatabase: Sendable {
    public let backend: TestBackend
    /// What `hangar --database` takes to reach the same data.
    public let url: String

    public static func make(_ backend: TestBackend) throws -> TestDatabase {
        switch backend {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-test-\(Identifier.leaseToken())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            return TestDatabase(backend: backend, url: dir.appendingPathComponent("hangar.sqlite").path)
        case .postgres:
            guard let base = ProcessInfo.processInfo.environment["HANGAR_TEST_DATABASE_URL"], !base.isEmpty else {
                throw MissingTestDatabase()
            }
            let schema = "t_" + Identifier.leaseToken().replacingOccurrences(of: "-", with: "").prefix(16)
            let separator = base.contains("?") ? "&" : "?"
            return TestDatabase(backend: backend, url: "\(base)\(separator)schema=\(schema)")
        }
    }

    /// Opens (and migrates) a store on this database. Call again for a second "process".
    public func open(maxConnections: Int = 10) async throws -> any HangarStore {
        let store = try StoreFactory.open(databaseURL: url, dataDir: "", maxConnections: maxConnections)
        try await store.migrate()
        // Notifications are part of the contract: wait until this store receives them.
        guard try await store.waitUntilListening(within: .seconds(10)) else {
            throw HangarError.unavailable("the store opened on \(backend) did not start receiving notifications within 10 s")
        }
        return store
    }
}

/// Runs `body` with a fresh migrated store and closes it afterwards.
public func withTestStore<T>(_ backend: TestBackend, _ body: (any HangarStore, TestDatabase) async throws -> T) async throws -> T {
    let database = try TestDatabase.make(backend)
    let store = try await database.open()
    do {
        let value = try await body(store, database)
        try await store.close()
        return value
    } catch {
        try? await store.close()
        throw error
    }
}
