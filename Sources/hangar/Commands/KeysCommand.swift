import ArgumentParser
import Foundation
import HangarApp
import HangarAuth
import HangarBackends
import HangarCore
import HangarStore

/// Key management straight on the database: works with no server running, which is how
/// you recover when every admin key is lost.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Create, list and revoke API keys (directly on the database).",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key and print it (once).")
        @OptionGroup var storage: StorageOptions
        @Option(help: "viewer, operator or admin.") var role = "admin"
        @Option(help: "Tenant the key belongs to (created if missing).") var tenant = Tenant.defaultID
        @Option(help: "A name to recognise the key by.") var name = "cli"

        func validate() throws {
            guard Role(rawValue: role) != nil else { throw ValidationError("--role must be viewer, operator or admin, got '\(role)'") }
        }

        func run() async throws {
            let role = Role(rawValue: role) ?? .viewer
            let admin = try await storage.admin()
            if !admin.database.isShared {
                let path = StoreFactory.sqlitePath(databaseURL: admin.database.url, dataDir: admin.database.dataDirectory)
                if !FileManager.default.fileExists(atPath: path) {
                    FileHandle.standardError.write(
                        Data("note: no database at \(path) yet: creating it (`hangar serve --data-dir \(admin.database.dataDirectory)` will use it)\n".utf8))
                }
            }
            let store = try await admin.openStore(logger: admin.logger("hangar.keys"))
            do {
                try await store.tenantUpsert(id: tenant, name: tenant)
                let (id, secret, token) = APIKeyToken.generate()
                try await store.apiKeyInsert(
                    APIKey(id: id, tenantID: tenant, name: name, role: role, secretHash: APIKeyToken.hash(secret), createdAt: Date()))
                try await store.auditAppend(
                    AuditEntry(tenantID: tenant, actor: "cli", action: "key.create", resourceType: "api_key", resourceID: id, details: ["role": .string(role.rawValue)]))
                print(token)
            } catch {
                try? await store.close()
                throw error
            }
            try await store.close()
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List API keys (never their secrets).")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Only this tenant's keys.") var tenant: String?

        func run() async throws {
            let admin = try await storage.admin()
            let store = try await admin.openStore(logger: admin.logger("hangar.keys"), existing: true)
            let keys = try await store.apiKeyList(tenantID: tenant)
            try await store.close()
            for key in keys {
                let state = key.revokedAt == nil ? "active" : "revoked"
                let used = key.lastUsedAt.map(Timestamp.format) ?? "never used"
                print("\(key.id)  \(key.tenantID)  \(key.role.rawValue)  \(state)  \(key.name)  \(used)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API key by id (servers notice within seconds).")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "The key's id (the part after hgr_ and before the next _, as `hangar keys list` shows it).") var id: String

        func run() async throws {
            let admin = try await storage.admin()
            let store = try await admin.openStore(logger: admin.logger("hangar.keys"), existing: true)
            guard let key = try await store.apiKeyGet(id: id) else {
                try await store.close()
                throw StartupError("no API key '\(id)' in this database (`hangar keys list` shows the ids)")
            }
            let revoked = try await store.apiKeyRevoke(tenantID: key.tenantID, id: id)
            try await store.auditAppend(AuditEntry(tenantID: key.tenantID, actor: "cli", action: "key.revoke", resourceType: "api_key", resourceID: id))
            try await store.close()
            print(revoked ? "revoked \(id)" : "\(id) was already revoked")
        }
    }
}
