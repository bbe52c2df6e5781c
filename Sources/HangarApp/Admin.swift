import HangarAuth
import HangarSettings
public import HangarStore
public import Logging

/// What the admin commands (`migrate`, `keys`, `secrets`) need from the settings: the
/// database, the secrets key and a logger, read the way `serve` reads them.
public struct AdminContext: Sendable {
    public var database: DatabaseSettings
    /// `security.secret_key` (`HANGAR_SECRET_KEY`), when set.
    public var secretKey: String?

    public init(settings: Settings) throws {
        let logging = try settings.area(LoggingSettings.area.name) { try LoggingSettings($0) }
        Runtime.startLogging(logging)
        database = try DatabaseSettings(settings: settings)
        secretKey = try settings.area(SecuritySettings.area.name) { try SecuritySettings($0) }.secretKey
    }

    public func logger(_ label: String) -> Logger { Runtime.logger(label) }

    public func openStore(logger: Logger, existing: Bool = false) async throws -> any HangarStore {
        try await database.openStore(maxConnections: 2, logger: logger, existing: existing)
    }

    /// The master key of agent secrets.
    public func vault(logger: Logger) throws -> SecretBox {
        try Runtime.vault(database: database, secretKey: secretKey, logger: logger)
    }
}
