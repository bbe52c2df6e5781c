/// How a `CDPEnvironment` presents the page.
public struct CDPEnvironmentOptions: Sendable {
    /// `web`: a desktop viewport driven by the mouse. `phone`: mobile emulation with touch
    /// (CLICK/TAP become taps, SWIPE a finger drag).
    public enum Mode: String, Sendable, Codable {
        case web, phone
    }

    public var mode: Mode
    /// The viewport, which is also the screenshot's size in pixels.
    public var screen: ScreenSize
    /// Phone mode's user agent; nil uses a recent Android Chrome's.
    public var userAgent: String?
    /// How long after an action to look for a navigation it started.
    public var settleDelay: Duration
    /// The longest wait for a started navigation to finish loading.
    public var navigationTimeout: Duration
    /// The default per-command timeout.
    public var commandTimeout: Duration

    public init(
        mode: Mode = .web,
        screen: ScreenSize = ScreenSize(width: 1280, height: 720),
        userAgent: String? = nil,
        settleDelay: Duration = .milliseconds(100),
        navigationTimeout: Duration = .seconds(15),
        commandTimeout: Duration = .seconds(30)
    ) {
        self.mode = mode
        self.screen = screen
        self.userAgent = userAgent
        self.settleDelay = settleDelay
        self.navigationTimeout = navigationTimeout
        self.commandTimeout = commandTimeout
    }

    static let phoneUserAgent =
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
}
