import Configuration
import Foundation
import HangarBrowser
import HangarSettings

/// The `browser` area: persistent sessions and the operator's named environments.
struct BrowserSettings {
    static let area = SettingsArea(
        "browser", summary: "Browser agents' persistent sessions and named environments.",
        settings: [Keys.Browser.chromePath, Keys.Browser.maxSessions, Keys.Browser.sessionIdleTimeout, Keys.Browser.environments])

    var maxSessions: Int
    var sessionIdleTimeout: Int
    var environments: NamedEnvironments
    /// `nil`: found on `PATH` when a browser is first launched.
    var chromePath: String?

    init(_ config: ConfigReader) throws {
        chromePath = try config.text(Keys.Browser.chromePath)
        if let path = chromePath, !FileManager.default.isExecutableFile(atPath: path) {
            // A wrong path is an error now, not a reason to guess another browser later.
            throw InvalidSetting(key: Keys.Browser.chromePath.key, problem: "must name an executable file, got '\(path)'")
        }
        maxSessions = try config.positiveInt(Keys.Browser.maxSessions) ?? 8
        sessionIdleTimeout = try config.positiveInt(Keys.Browser.sessionIdleTimeout) ?? 900
        do {
            environments = try config.text(Keys.Browser.environments).map { try NamedEnvironments.parse($0) } ?? NamedEnvironments()
        } catch let invalid as InvalidSetting {
            throw invalid
        } catch {
            throw InvalidSetting(key: Keys.Browser.environments.key, problem: "cannot be used: \(error)")
        }
    }
}
