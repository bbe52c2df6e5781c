import Foundation
import HangarCore
import JWTKit

/// Where JWTs may come from: a shared HS256 secret, a PEM public key (RS256 or ES256), or a
/// JWKS file. Tokens carry `tenant` (or `tenant_id`) and `role` claims; `exp` is required.
public struct JWTConfiguration: Sendable {
    public var hmacSecret: String?
    public var publicKeyPEM: String?
    public var jwksJSON: String?
    public var issuer: String?
    public var audience: String?

    public init(hmacSecret: String? = nil, publicKeyPEM: String? = nil, jwksJSON: String? = nil, issuer: String? = nil, audience: String? = nil) {
        self.hmacSecret = hmacSecret
        self.publicKeyPEM = publicKeyPEM
        self.jwksJSON = jwksJSON
        self.issuer = issuer
        self.audience = audience
    }

    public var isEnabled: Bool { hmacSecret != nil || publicKeyPEM != nil || jwksJSON != nil }

    /// Builds the key collection, rejecting weak or unreadable keys up front.
    func makeKeys() async throws -> JWTKeyCollection {
        let keys = JWTKeyCollection()
        if let secret = hmacSecret {
            // Short HMAC secrets are brute-forceable (and JWTKit traps on them): refuse at start.
            guard secret.utf8.count >= 32 else {
                throw HangarError.invalid(field: "HANGAR_JWT_SECRET", message: "must be at least 32 bytes")
            }
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: "hs256")
        }
        if let pem = publicKeyPEM {
            if let rsa = try? Insecure.RSA.PublicKey(pem: pem) {
                await keys.add(rsa: rsa, digestAlgorithm: .sha256, kid: "rs256")
            } else if let ecdsa = try? ES256PublicKey(pem: pem) {
                await keys.add(ecdsa: ecdsa, kid: "es256")
            } else {
                throw HangarError.invalid(field: "HANGAR_JWT_PUBLIC_KEY_FILE", message: "not an RSA or P-256 public key in PEM form")
            }
        }
        if let jwks = jwksJSON {
            do {
                try await keys.add(jwksJSON: jwks)
            } catch {
                throw HangarError.invalid(field: "HANGAR_JWKS_FILE", message: "not a readable JWKS document")
            }
        }
        return keys
    }
}

/// The claims Hangar reads from a JWT.
struct HangarClaims: JWTPayload {
    var sub: SubjectClaim?
    /// Optional here so that a token without it gets its own reason, not a decoding error.
    var exp: ExpirationClaim?
    var nbf: NotBeforeClaim?
    var iss: IssuerClaim?
    var aud: AudienceClaim?
    var tenant: String?
    var tenant_id: String?
    var role: String?
    var roles: [String]?

    func verify(using algorithm: some JWTAlgorithm) throws {
        guard let exp else {
            throw JWTError.claimVerificationFailure(failedClaim: ExpirationClaim(value: Date(timeIntervalSince1970: 0)), reason: "missing")
        }
        try exp.verifyNotExpired()
        try nbf?.verifyNotBefore()
    }
}
