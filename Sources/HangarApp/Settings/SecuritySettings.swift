import HangarCore
import Configuration
import HangarServer
import HangarSettings

/// The `security` area: the level's limits with the network rules overridden, the programs
/// MCP servers and external jobs may run, and the keys.
struct SecuritySettings {
    static let area = SettingsArea(
        "security", summary: "What agents, tools and requests may do, and the keys that guard it.",
        settings: [
            Keys.Security.level, Keys.Security.allowedDomains, Keys.Security.allowPrivateNetworks, Keys.Security.mcpCommands, Keys.Security.externalCommands,
            Keys.Security.secretKey,
            Keys.Security.adminKey,
        ])

    var policy: SecurityPolicy
    /// `nil`: any command (`*`).
    var mcpCommands: Set<String>?
    /// Programs external jobs may run; `nil`: any (`*`).
    var externalCommands: Set<String>?
    var secretKey: String?
    var adminKey: String?

    init(_ config: ConfigReader) throws {
        let name = try config.choice(Keys.Security.level, of: ["strict", "moderate", "lenient"]) ?? "moderate"
        guard let level = SecurityPolicy.Level(rawValue: name) else {
            throw InvalidSetting(key: Keys.Security.level.key, problem: "must be strict, moderate or lenient, got '\(name)'")
        }
        policy = SecurityPolicy.forLevel(level)
        if let domains = try config.list(Keys.Security.allowedDomains) {
            policy.network.allowedDomains = domains == ["*"] ? [] : domains.map { $0.lowercased() }
        }
        if let allow = try config.bool(Keys.Security.allowPrivateNetworks) { policy.network.allowPrivateNetworks = allow }
        if let commands = try config.list(Keys.Security.mcpCommands) {
            mcpCommands = commands == ["*"] ? nil : Set(commands)
        } else {
            mcpCommands = []
        }
        if let commands = try config.list(Keys.Security.externalCommands) {
            externalCommands = commands == ["*"] ? nil : Set(commands)
        } else {
            externalCommands = []
        }
        secretKey = try config.text(Keys.Security.secretKey)
        adminKey = try config.text(Keys.Security.adminKey)
    }
}
