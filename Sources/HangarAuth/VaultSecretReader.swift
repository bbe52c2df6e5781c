import HangarCore
public import HangarRuntime
public import HangarStore

/// Gives executors their agent's secrets, decrypted on demand (never cached in memory).
public struct VaultSecretReader: SecretReader {
    let store: any SecretStore
    let vault: SecretBox

    public init(store: any SecretStore, vault: SecretBox) {
        self.store = store
        self.vault = vault
    }

    public func secret(tenantID: String, agentID: String, key: String) async throws -> String? {
        guard let secret = try await store.secretGet(tenantID: tenantID, agentID: agentID, idOrKey: key), secret.isActive, secret.key == key else {
            return nil
        }
        return try vault.open(secret.ciphertext, keyID: secret.keyID)
    }
}

/// Re-encrypts every stored secret under a new master key. Idempotent: secrets already
/// sealed by the new key are skipped, so an interrupted rotation can simply be run again.
public enum SecretRotation {
    public static func rotate(store: any SecretStore, from old: SecretBox, to new: SecretBox) async throws -> Int {
        var count = 0
        for secret in try await store.secretList(tenantID: nil, agentID: nil) where secret.keyID != new.keyID {
            let plaintext = try old.open(secret.ciphertext, keyID: secret.keyID)
            try await store.secretUpdate(id: secret.id, ciphertext: try new.seal(plaintext), keyID: new.keyID, description: .none)
            count += 1
        }
        return count
    }
}
