import Foundation
import HangarCore
public import HangarStore

/// Makes sure an installation can be administered:
/// - with `HANGAR_ADMIN_KEY`, that exact token is a valid admin key of the default tenant;
/// - otherwise, on first start (no live keys), an admin key is created, written to
///   `<data-dir>/admin.key` (mode 0600) and returned so the caller can print it once.
public enum AdminBootstrap {
    public static func run(store: any IdentityStore, environmentKey: String?, dataDir: String) async throws -> String? {
        if let token = environmentKey, !token.isEmpty {
            let (id, secret) = APIKeyToken.parse(token) ?? (APIKeyToken.environmentKeyID, token)
            let existing = try await store.apiKeyGet(id: id)
            if existing?.secretHash != APIKeyToken.hash(secret) || existing?.revokedAt != nil || existing?.role != .admin {
                if existing != nil { _ = try await store.apiKeyRevoke(tenantID: existing!.tenantID, id: id) }
                // A revoked record keeps its id; give the environment key a fresh one in that case.
                let keyID = existing == nil ? id : "\(id)-\(Identifier.leaseToken().prefix(8))"
                guard existing == nil || APIKeyToken.parse(token) == nil else {
                    throw HangarError.conflict("HANGAR_ADMIN_KEY names key '\(id)', which exists with another secret; create a new key instead")
                }
                try await store.apiKeyInsert(
                    APIKey(id: keyID, tenantID: Tenant.defaultID, name: "HANGAR_ADMIN_KEY", role: .admin, secretHash: APIKeyToken.hash(secret), createdAt: Date()))
            }
            return nil
        }
        guard try await store.apiKeyCount() == 0 else { return nil }
        let (id, secret, token) = APIKeyToken.generate()
        try await store.apiKeyInsert(
            APIKey(id: id, tenantID: Tenant.defaultID, name: "bootstrap admin", role: .admin, secretHash: APIKeyToken.hash(secret), createdAt: Date()))
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let path = (dataDir as NSString).appendingPathComponent("admin.key")
        _ = FileManager.default.createFile(atPath: path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600])
        return token
    }
}
