import Configuration
import HangarSettings

/// The `workers` area: this process's worker pool and how long finished work is kept.
struct WorkerSettings {
    static let area = SettingsArea(
        "workers", summary: "This process's worker pool.",
        settings: [Keys.Workers.count, Keys.Workers.lease, Keys.Workers.claimBatch, Keys.Workers.retention])

    var count: Int
    var lease: Duration
    var claimBatch: Int
    var retention: Duration

    init(_ config: ConfigReader) throws {
        count = try config.int(Keys.Workers.count) ?? 16
        guard count >= 0 else { throw InvalidSetting(key: Keys.Workers.count.key, problem: "must be 0 or more, got \(count)") }
        lease = try config.duration(Keys.Workers.lease) ?? .seconds(30)
        guard lease >= .milliseconds(500) else { throw InvalidSetting(key: Keys.Workers.lease.key, problem: "must be at least 0.5 seconds, got \(lease)") }
        claimBatch = try config.positiveInt(Keys.Workers.claimBatch) ?? 32
        retention = try config.duration(Keys.Workers.retention) ?? .seconds(7 * 86_400)
    }
}
