/// The platforms this build serves, addressed as the configuration says.
public enum BotPlatforms {
    public static func make(_ configuration: BotConfiguration) -> [any BotPlatform] {
        [TelegramPlatform(client: TelegramClient(apiURL: configuration.telegramAPIURL))]
    }

    /// Platform names a deploy accepts.
    public static let supported = ["telegram"]
}
