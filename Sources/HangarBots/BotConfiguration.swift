/// Where bots are reached and where their platforms are (the `bots` settings area).
public struct BotConfiguration: Sendable {
    /// The base URL chat platforms reach this server at (`HANGAR_PUBLIC_URL`), without a
    /// trailing slash. `nil`: deploying a bot is refused, naming the setting.
    public var publicURL: String?
    /// The Telegram Bot API (`HANGAR_TELEGRAM_API_URL`): a self-hosted Bot API server or a test's stand-in.
    public var telegramAPIURL: String
    /// Discord's API (`HANGAR_DISCORD_API_URL`); read now, used by the Discord slice.
    public var discordAPIURL: String
    /// Updates one bot may deliver per minute before `/webhook/{agent_id}` answers 429.
    public var updatesPerMinute: Int

    public init(
        publicURL: String? = nil, telegramAPIURL: String = "https://api.telegram.org", discordAPIURL: String = "https://discord.com/api/v10",
        updatesPerMinute: Int = 1200
    ) {
        self.publicURL = publicURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.telegramAPIURL = telegramAPIURL.hasSuffix("/") ? String(telegramAPIURL.dropLast()) : telegramAPIURL
        self.discordAPIURL = discordAPIURL
        self.updatesPerMinute = updatesPerMinute
    }

    /// The URL a bot's platform posts its updates to.
    public func webhookURL(agentID: String) -> String? {
        publicURL.map { "\($0)/webhook/\(agentID)" }
    }
}
