public import Configuration
import Foundation
public import HangarSettings

extension JWTConfiguration {
    enum Keys {
        static let secret = Setting(
            "secret", environment: "HANGAR_JWT_SECRET", value: "text ≥ 32 bytes", default: "unset", secret: true,
            help: "Accept HS256 JWTs signed with this secret.")
        static let publicKeyFile = Setting(
            "public_key_file", environment: "HANGAR_JWT_PUBLIC_KEY_FILE", value: "path", default: "unset",
            help: "Accept RS256/ES256 JWTs verified with this PEM public key.")
        static let jwksFile = Setting(
            "jwks_file", environment: "HANGAR_JWKS_FILE", value: "path", default: "unset", help: "Accept JWTs verified with the keys of this JWKS document.")
        static let issuer = Setting("issuer", environment: "HANGAR_JWT_ISSUER", value: "text", default: "unset", help: "When set, JWTs must carry this `iss`.")
        static let audience = Setting(
            "audience", environment: "HANGAR_JWT_AUDIENCE", value: "text", default: "unset", help: "When set, JWTs must carry this `aud`.")
    }

    /// The `jwt` area. Tokens carry `tenant` (or `tenant_id`) and `role` claims; `exp` is required.
    public static let settings = SettingsArea(
        "jwt", summary: "JSON Web Tokens accepted beside API keys ([security](security.md#roles)).",
        settings: [Keys.secret, Keys.publicKeyFile, Keys.jwksFile, Keys.issuer, Keys.audience])

    /// Reads the `jwt` area; key files are read now, so a wrong path stops start-up.
    public init(config: ConfigReader) throws {
        func file(_ setting: Setting) throws -> String? {
            guard let path = try config.text(setting) else { return nil }
            do {
                return try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw InvalidSetting(key: setting.key, problem: "names a file that cannot be read: \(path)")
            }
        }
        let secret = try config.text(Keys.secret)
        // Short HMAC secrets are brute-forceable (and JWTKit traps on them).
        if let secret, secret.utf8.count < 32 { throw InvalidSetting(key: Keys.secret.key, problem: "must be at least 32 bytes") }
        self.init(
            hmacSecret: secret, publicKeyPEM: try file(Keys.publicKeyFile), jwksJSON: try file(Keys.jwksFile), issuer: try config.text(Keys.issuer),
            audience: try config.text(Keys.audience))
    }
}
