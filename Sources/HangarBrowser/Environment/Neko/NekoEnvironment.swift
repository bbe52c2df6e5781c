import Foundation
import HangarCore
import HangarTimers
import Logging

/// A Neko server's desktop as a `BrowserEnvironment`: actions become X11 input events over
/// the WebSocket, screenshots come from `shot.jpg`, and every action is announced in the
/// room's chat (`[agent] Action: {…}`) as the original agent does, so people watching (and
/// capture tools) see what the agent does.
public final class NekoEnvironment: BrowserEnvironment {
    public struct Options: Sendable {
        /// `keys`: one `control/keypress` per character (works everywhere). `paste`: one
        /// `control/paste` (fast, exact for any script, but goes through the clipboard).
        public enum Typing: String, Sendable {
            case keys, paste
        }

        public var typing: Typing
        /// Post `[agent] Action: {…}` before each action.
        public var announceActions: Bool
        /// Wheel clicks per SCROLL, sent one event per click.
        public var scrollClicks: Int
        /// Pause after each action so the next screenshot shows its effect.
        public var settleDelay: Duration

        public init(typing: Typing = .keys, announceActions: Bool = true, scrollClicks: Int = 5, settleDelay: Duration = .milliseconds(150)) {
            self.typing = typing
            self.announceActions = announceActions
            self.scrollClicks = max(1, scrollClicks)
            self.settleDelay = settleDelay
        }
    }

    public let kind = "neko"
    public let client: NekoClient
    public let options: Options

    public init(client: NekoClient, options: Options = Options()) {
        self.client = client
        self.options = options
    }

    /// Logs in, connects and takes control.
    public static func connect(
        _ configuration: NekoClient.Configuration, options: Options = Options(), logger: Logger = Logger(label: "hangar.neko")
    ) async throws -> NekoEnvironment {
        let client = try await NekoClient.connect(configuration, logger: logger)
        do {
            try await client.requestControl()
        } catch {
            await client.close()
            throw error
        }
        return NekoEnvironment(client: client, options: options)
    }

    public func screenSize() async throws -> ScreenSize {
        guard let size = client.screenSize else { throw NekoError.unknownScreenSize }
        return size
    }

    public func screenshot(quality: Int) async throws -> Data {
        try await client.screenshot(quality: quality)
    }

    public func perform(_ action: BrowserAction) async throws {
        let screen = try await screenSize()
        if options.announceActions {
            try client.chat("[agent] Action: " + JSONText.encode(action.json))
        }
        func pixel(_ point: RelativePoint?) throws -> (x: Int, y: Int) {
            guard let point else { throw BrowserActionError.missingPosition(action.kind) }
            return screen.pixel(point)
        }
        switch action.kind {
        case .click, .tap:
            try click(at: try pixel(action.position))
        case .hover:
            let point = try pixel(action.position)
            try client.move(x: point.x, y: point.y)
        case .select:
            // No DOM here: open the control, type the option's text, confirm.
            try click(at: try pixel(action.position))
            if let value = action.value {
                try type(value)
                try client.keyPress(NekoKeysym.returnKey)
            }
        case .input:
            guard let text = action.value else { throw BrowserActionError.missingValue(.input) }
            if action.position != nil { try click(at: try pixel(action.position)) }
            try type(text)
        case .enter:
            try client.keyPress(NekoKeysym.returnKey)
        case .scroll:
            let direction = try ScrollDirection(parsing: action.value, for: .scroll)
            if let position = action.position {
                let point = screen.pixel(position)
                try client.move(x: point.x, y: point.y)
            }
            try scroll(direction)
        case .swipe:
            if let start = action.position, let end = action.endPosition {
                try drag(from: screen.pixel(start), to: screen.pixel(end))
            } else {
                // A finger pushing up moves the content up: the page scrolls down.
                let direction = try ScrollDirection(parsing: action.value, for: .swipe)
                let opposite: [ScrollDirection: ScrollDirection] = [.up: .down, .down: .up, .left: .right, .right: .left]
                try scroll(opposite[direction] ?? direction)
            }
        case .selectText:
            try drag(from: try pixel(action.position), to: try pixel(action.endPosition))
        case .copy:
            if let value = action.value { try client.setClipboard(value) } else { try client.copy() }
        case .answer:
            break  // announced in the chat above; nothing to do on screen
        }
        try await Timers.sleep(for: options.settleDelay)
    }

    /// ctrl+L focuses the address bar, then the URL and Return.
    public func navigate(to url: String) async throws {
        try client.chord(NekoKeysym.controlL, 0x6C)  // "l"
        try type(url)
        try client.keyPress(NekoKeysym.returnKey)
        try await Timers.sleep(for: options.settleDelay)
    }

    /// A remote desktop does not say which page it shows.
    public func page() async throws -> PageInfo { PageInfo() }

    public func close() async {
        await client.close()
    }

    // MARK: - Input

    private func click(at point: (x: Int, y: Int)) throws {
        try client.move(x: point.x, y: point.y)
        try client.buttonPress(.left, x: point.x, y: point.y)
    }

    private func drag(from start: (x: Int, y: Int), to end: (x: Int, y: Int)) throws {
        try client.move(x: start.x, y: start.y)
        try client.buttonDown(.left, x: start.x, y: start.y)
        try client.move(x: end.x, y: end.y)
        try client.buttonUp(.left, x: end.x, y: end.y)
    }

    private func type(_ text: String) throws {
        switch options.typing {
        case .keys: try client.typeText(text)
        case .paste: try client.paste(text)
        }
    }

    /// v3's XScroll: a positive delta_y clicks button 4 (up), a positive delta_x button 6
    /// (right). One event per click, each ±1.
    private func scroll(_ direction: ScrollDirection) throws {
        let delta: (x: Int, y: Int)
        switch direction {
        case .up: delta = (0, 1)
        case .down: delta = (0, -1)
        case .left: delta = (-1, 0)
        case .right: delta = (1, 0)
        }
        for _ in 0..<options.scrollClicks { try client.scroll(deltaX: delta.x, deltaY: delta.y) }
    }
}
