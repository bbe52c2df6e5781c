import Configuration
import HangarRuntime
import HangarSettings

/// The `process` area: a process of a shared-database deployment.
struct ProcessSettings {
    static let area = SettingsArea(
        "process", summary: "A process of a shared-database deployment: its heartbeat and its listeners for other processes.",
        settings: [
            Keys.Process.heartbeat, Keys.Process.internalHost, Keys.Process.internalPort, Keys.Process.internalURL, Keys.Process.metricsHost,
            Keys.Process.metricsPort,
        ])

    var directory: ProcessDirectory.Configuration
    var internalHost: String
    var internalPort: Int
    var internalURL: String?
    var metricsHost: String
    var metricsPort: Int?

    init(_ config: ConfigReader) throws {
        directory = ProcessDirectory.Configuration()
        if let heartbeat = try config.duration(Keys.Process.heartbeat) {
            guard heartbeat >= .milliseconds(100) else {
                throw InvalidSetting(key: Keys.Process.heartbeat.key, problem: "must be at least 100ms, got \(heartbeat)")
            }
            directory = ProcessDirectory.Configuration(heartbeat: heartbeat)
        }
        internalHost = try config.text(Keys.Process.internalHost) ?? "127.0.0.1"
        internalPort = try Self.port(config, Keys.Process.internalPort) ?? 0
        internalURL = try config.text(Keys.Process.internalURL)
        metricsHost = try config.text(Keys.Process.metricsHost) ?? "127.0.0.1"
        metricsPort = try Self.port(config, Keys.Process.metricsPort)
    }

    private static func port(_ config: ConfigReader, _ setting: Setting) throws -> Int? {
        guard let port = try config.int(setting) else { return nil }
        guard (0...65535).contains(port) else { throw InvalidSetting(key: setting.key, problem: "must be a TCP port (0 = any free port), got \(port)") }
        return port
    }
}
