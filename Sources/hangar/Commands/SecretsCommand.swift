import ArgumentParser
import HangarApp
import Foundation
import HangarAuth
import HangarCore
import HangarStore

struct SecretsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets", abstract: "Manage the master key that encrypts agent secrets.", subcommands: [RotateKey.self])

    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Re-encrypt every secret under a new master key.",
            discussion: """
                The current key is HANGAR_SECRET_KEY or <data-dir>/secret.key. The new key is --new-key (base64 of 32 bytes) or a \
                freshly generated one. Without HANGAR_SECRET_KEY the key file is replaced; with it, the new key is printed and \
                HANGAR_SECRET_KEY must be changed to it on every process. Safe to run again if interrupted.
                """)
        @OptionGroup var storage: StorageOptions
        @Option(name: .customLong("new-key"), help: "The new master key, base64 of 32 bytes. Default: generate one.") var newKey: String?

        func validate() throws {
            if let newKey, Data(base64Encoded: newKey)?.count != 32 { throw ValidationError("--new-key must be base64 of 32 bytes") }
        }

        func run() async throws {
            let admin = try await storage.admin()
            let logger = admin.logger("hangar.secrets")
            let old = try admin.vault(logger: logger)
            let newData = try newKey.map { text -> Data in
                guard let data = Data(base64Encoded: text), data.count == 32 else { throw ValidationError("--new-key must be base64 of 32 bytes") }
                return data
            } ?? SecretBox.generateKey()
            let new = try SecretBox(keyData: newData)
            let store = try await admin.openStore(logger: logger, existing: true)
            let count: Int
            do {
                count = try await SecretRotation.rotate(store: store, from: old, to: new)
                try await store.auditAppend(
                    AuditEntry(tenantID: Tenant.defaultID, actor: "cli", action: "secrets.rotate_key", resourceType: "master_key", resourceID: new.keyID, details: ["secrets": .int(Int64(count))]))
            } catch {
                try? await store.close()
                throw error
            }
            try await store.close()
            if admin.secretKey == nil {
                let path = admin.database.dataDirectory + "/secret.key"
                try Data((newData.base64EncodedString() + "\n").utf8).write(to: URL(fileURLWithPath: path))
                try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
                print("re-encrypted \(count) secrets; new key \(new.keyID) written to \(path)")
            } else {
                print("re-encrypted \(count) secrets under key \(new.keyID). Set HANGAR_SECRET_KEY on every process to:\n\(newData.base64EncodedString())")
            }
        }
    }
}
