import Foundation
import HangarCore
public import HangarStore
import JWTKit
import Synchronization

/// Turns a bearer token into a `Principal`: an API key (looked up by its id, hash compared
/// in constant time, revocation honoured within `cacheTTL`), or a JWT verified with the
/// configured keys.
public final class Authenticator: Sendable {
    public enum Mode: String, Sendable {
        /// Every non-public route needs a credential (the default).
        case required
        /// Local development: every request acts as the default tenant's admin.
        case none
    }

    let store: any IdentityStore
    public let mode: Mode
    let jwtKeys: JWTKeyCollection?
    let jwt: JWTConfiguration
    let cacheTTL: TimeInterval
    private let cache = Mutex<[String: (key: APIKey?, at: Date)]>([:])
    private let touched = Mutex<[String: Date]>([:])
    /// Bounds the key cache and the last-use map: a scan with many key ids cannot grow them.
    static let maxTracked = 10_000

    public init(store: any IdentityStore, mode: Mode = .required, jwt: JWTConfiguration = JWTConfiguration(), cacheTTL: TimeInterval = 5) async throws {
        self.store = store
        self.mode = mode
        self.jwt = jwt
        self.cacheTTL = cacheTTL
        jwtKeys = jwt.isEnabled ? try await jwt.makeKeys() : nil
    }

    public func authenticate(_ token: String?) async throws(AuthFailure) -> Principal {
        if mode == .none { return Principal(tenantID: Tenant.defaultID, role: .admin, subject: "local") }
        guard let token, !token.isEmpty else { throw .missingCredential }
        if token.split(separator: ".", omittingEmptySubsequences: false).count == 3, let jwtKeys {
            return try await verifyJWT(token, keys: jwtKeys)
        }
        let (id, secret) = APIKeyToken.parse(token) ?? (APIKeyToken.environmentKeyID, token)
        let key: APIKey?
        do {
            key = try await lookup(id)
        } catch {
            throw .invalidCredential(reason: "key store unavailable")
        }
        // Revocation is only told to a caller who holds the key's secret.
        guard let key, APIKeyToken.constantTimeEqual(APIKeyToken.hash(secret), key.secretHash) else {
            throw .invalidCredential(reason: "unknown API key, or its secret does not match")
        }
        guard key.revokedAt == nil else { throw .invalidCredential(reason: "API key '\(key.id)' was revoked") }
        await touch(key.id)
        return Principal(tenantID: key.tenantID, role: key.role, subject: "key:\(key.id)")
    }

    /// Forget cached key records (after a revoke in this process).
    public func invalidate(keyID: String) {
        _ = cache.withLock { $0.removeValue(forKey: keyID) }
    }

    private func lookup(_ id: String) async throws -> APIKey? {
        let now = Date()
        if let cached = cache.withLock({ $0[id] }), now.timeIntervalSince(cached.at) < cacheTTL { return cached.key }
        let key = try await store.apiKeyGet(id: id)
        cache.withLock { cache in
            if cache.count >= Self.maxTracked { cache.removeAll() }
            cache[id] = (key, now)
        }
        return key
    }

    /// Records last use at most once a minute per key, off the request's critical path.
    private func touch(_ id: String) async {
        let now = Date()
        let due = touched.withLock { touched -> Bool in
            if let last = touched[id], now.timeIntervalSince(last) < 60 { return false }
            // An entry older than a minute decides nothing: forget those rather than keep
            // every key ever used (at most `maxTracked` remain, like the key cache).
            if touched.count >= Self.maxTracked { touched = touched.filter { now.timeIntervalSince($0.value) < 60 } }
            if touched.count >= Self.maxTracked { touched.removeAll() }
            touched[id] = now
            return true
        }
        if due { try? await store.apiKeyTouch(id: id, at: now) }
    }

    private func verifyJWT(_ token: String, keys: JWTKeyCollection) async throws(AuthFailure) -> Principal {
        let claims: HangarClaims
        do {
            claims = try await keys.verify(token, as: HangarClaims.self)
        } catch {
            throw .invalidCredential(reason: Self.jwtReason(error))
        }
        if let issuer = jwt.issuer, claims.iss?.value != issuer {
            throw .invalidCredential(reason: claims.iss == nil ? "JWT has no iss claim (this server requires one)" : "JWT issuer is not the one this server accepts")
        }
        if let audience = jwt.audience, !(claims.aud?.value.contains(audience) ?? false) {
            throw .invalidCredential(reason: claims.aud == nil ? "JWT has no aud claim (this server requires one)" : "JWT audience is not this server's")
        }
        guard let tenant = claims.tenant ?? claims.tenant_id, !tenant.isEmpty else {
            throw .invalidCredential(reason: "JWT has no tenant claim")
        }
        let roles = (claims.roles ?? []) + (claims.role.map { [$0] } ?? [])
        guard let role = roles.compactMap(Role.init(rawValue:)).max() else { throw .invalidCredential(reason: "JWT has no known role") }
        return Principal(tenantID: tenant, role: role, subject: "jwt:\(claims.sub?.value ?? "unknown")")
    }

    /// Which check a JWT failed, in words that help its issuer fix it.
    static func jwtReason(_ error: any Error) -> String {
        guard let error = error as? JWTError else {
            // The payload did not decode: a claim of the wrong type.
            return "JWT claims are malformed (exp and nbf are numbers, roles a list of strings)"
        }
        switch error.errorType {
        case .claimVerificationFailure:
            switch error.failedClaim {
            case is ExpirationClaim: return error.reason == "missing" ? "JWT has no exp claim (tokens must expire)" : "JWT expired"
            case is NotBeforeClaim: return "JWT is not valid yet (nbf)"
            default: return "JWT claim check failed: \(error.reason ?? "unknown")"
            }
        case .signatureVerificationFailed: return "JWT signature does not verify with this server's keys"
        case .unknownKID: return "JWT names a key (kid) this server does not have"
        case .missingKIDHeader: return "JWT header has no kid, and this server holds several keys"
        case .malformedToken: return "JWT is malformed"
        case .unsupportedAlgorithm, .signingAlgorithmFailure: return "JWT algorithm is not one this server accepts"
        default: return "JWT rejected"
        }
    }
}
