import Configuration
import HangarSettings
import Logging

/// The `logging` area, read before anything else so that a typo stops start-up instead of
/// falling back to the default without a word.
struct LoggingSettings: Sendable {
    static let area = SettingsArea("logging", summary: "Log lines.", settings: [Keys.Logging.level, Keys.Logging.format])

    var level: Logger.Level
    var json: Bool

    init(_ config: ConfigReader) throws {
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        level = Logger.Level(rawValue: try config.choice(Keys.Logging.level, of: levels) ?? "info") ?? .info
        json = try config.choice(Keys.Logging.format, of: ["text", "json"]) == "json"
    }
}
