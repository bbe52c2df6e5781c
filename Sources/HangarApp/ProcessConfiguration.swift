import Foundation
import HangarAgents
import HangarBlobs
import HangarBots
import HangarCapture
import HangarCore
import HangarServer
import HangarSpeech
import HangarWebhooks
import HangarSettings

/// Everything a long-running process reads, read before anything starts: a mistake in any area
/// ends start-up with one line naming where the bad value came from, before the database is
/// touched or a key is created.
struct ProcessConfiguration {
    var database: DatabaseSettings
    var workers: WorkerSettings
    var security: SecuritySettings
    var webhooks: WebhookDispatcher.Configuration
    var browser: BrowserSettings
    var process: ProcessSettings
    var logging: LoggingSettings
    var blobs: BlobStoreConfiguration
    var capture: CaptureConfiguration
    var speech: SpeechConfiguration
    var providers: ProviderConfiguration.Values
    var bots: BotConfiguration

    init(_ settings: Settings) throws {
        logging = try settings.area(LoggingSettings.area.name) { try LoggingSettings($0) }
        database = try DatabaseSettings(settings: settings)
        workers = try settings.area(WorkerSettings.area.name) { try WorkerSettings($0) }
        let security = try settings.area(SecuritySettings.area.name) { try SecuritySettings($0) }
        self.security = security
        webhooks = try settings.area(WebhookSettings.area.name) {
            try WebhookSettings.read($0, allowPrivateNetworks: security.policy.network.allowPrivateNetworks)
        }
        browser = try settings.area(BrowserSettings.area.name) { try BrowserSettings($0) }
        bots = try settings.area(BotSettings.area.name) { try BotSettings.read($0) }
        process = try settings.area(ProcessSettings.area.name) { try ProcessSettings($0) }
        let data = URL(fileURLWithPath: database.dataDirectory, isDirectory: true)
        blobs = try settings.area(BlobStoreConfiguration.settings.name) {
            try BlobStoreConfiguration(config: $0, directory: data.appendingPathComponent("blobs", isDirectory: true))
        }
        providers = try settings.area(ProviderConfiguration.settings.name) { try ProviderConfiguration.Values(config: $0) }
        speech = try settings.area(SpeechConfiguration.settings.name) { [database] in
            try SpeechConfiguration(config: $0, dataDirectory: database.dataDirectory)
        }
        capture = try settings.area(CaptureConfiguration.settings.name) {
            try CaptureConfiguration(config: $0, directory: data.appendingPathComponent("mds", isDirectory: true))
        }
    }
}
