import Configuration
import Foundation
import HangarBots
import HangarSettings

/// The `bots` area (issue 16): where chat platforms reach this server, and where they are.
enum BotSettings {
    static let area = SettingsArea(
        "bots", summary: "Telegram bots Hangar deploys and serves (docs/bots.md).",
        settings: [Keys.Bots.publicURL, Keys.Bots.telegramAPIURL, Keys.Bots.discordAPIURL, Keys.Bots.updatesPerMinute])

    static func read(_ config: ConfigReader) throws -> BotConfiguration {
        let publicURL = try config.text(Keys.Bots.publicURL).map { try absoluteURL($0, Keys.Bots.publicURL) }
        return BotConfiguration(
            publicURL: publicURL,
            telegramAPIURL: try config.text(Keys.Bots.telegramAPIURL).map { try absoluteURL($0, Keys.Bots.telegramAPIURL) } ?? "https://api.telegram.org",
            discordAPIURL: try config.text(Keys.Bots.discordAPIURL).map { try absoluteURL($0, Keys.Bots.discordAPIURL) } ?? "https://discord.com/api/v10",
            updatesPerMinute: try config.int(Keys.Bots.updatesPerMinute, in: 1...1_000_000) ?? 1200)
    }

    private static func absoluteURL(_ text: String, _ setting: Setting) throws -> String {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil,
            url.query == nil
        else { throw InvalidSetting(key: setting.key, problem: "must be an absolute http(s) URL without a query, got '\(text)'") }
        return text
    }
}

extension Keys {
    enum Bots {
        static let publicURL = Setting(
            "public_url", environment: "HANGAR_PUBLIC_URL", value: "URL", default: "unset (deploying a bot is refused)",
            help: "The base URL chat platforms reach this server at; bots' webhooks are `{public_url}/webhook/{agent_id}`.")
        static let telegramAPIURL = Setting(
            "telegram_api_url", environment: "HANGAR_TELEGRAM_API_URL", value: "URL", default: "https://api.telegram.org",
            help: "The Telegram Bot API (a self-hosted Bot API server, a test's stand-in).")
        static let discordAPIURL = Setting(
            "discord_api_url", environment: "HANGAR_DISCORD_API_URL", value: "URL", default: "https://discord.com/api/v10",
            help: "Discord's API (read now; Discord bots are not built yet).")
        static let updatesPerMinute = Setting(
            "updates_per_minute", environment: "HANGAR_BOT_UPDATES_PER_MINUTE", value: "integer ≥ 1", default: "1200",
            help: "Updates one bot's webhook accepts per minute; beyond, 429 (the platform delivers again later).")
    }
}
