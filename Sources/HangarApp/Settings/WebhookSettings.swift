import Configuration
import HangarWebhooks
import HangarSettings

/// The `webhooks` area; private targets follow `security.allow_private_networks`.
enum WebhookSettings {
    static let area = SettingsArea(
        "webhooks", summary: "Deliveries of task events to subscribers and `callback_url`s.",
        settings: [Keys.Webhooks.secret, Keys.Webhooks.retryPeriod, Keys.Webhooks.retrySchedule, Keys.Webhooks.timeout])

    static func read(_ config: ConfigReader, allowPrivateNetworks: Bool) throws -> WebhookDispatcher.Configuration {
        var configuration = WebhookDispatcher.Configuration(
            allowPrivateNetworks: allowPrivateNetworks, callbackSecret: try config.text(Keys.Webhooks.secret))
        if let period = try config.duration(Keys.Webhooks.retryPeriod) { configuration.retryPeriod = period }
        if let timeout = try config.duration(Keys.Webhooks.timeout) { configuration.timeout = timeout }
        if let schedule = try config.list(Keys.Webhooks.retrySchedule) {
            let delays = try schedule.map {
                guard let delay = Duration(setting: $0) else {
                    throw InvalidSetting(key: Keys.Webhooks.retrySchedule.key, problem: "'\($0)' is not a duration such as 5s, 30s or 2m")
                }
                return delay
            }
            guard let shortest = delays.min() else {
                throw InvalidSetting(key: Keys.Webhooks.retrySchedule.key, problem: "must list at least one delay")
            }
            configuration.schedule = delays
            configuration.pollInterval = min(configuration.pollInterval, shortest)
        }
        return configuration
    }
}
