public import Foundation
public import HangarCore

/// A screen an agent can see and act on: a headless Chromium over the DevTools Protocol, a
/// remote Chrome, or a Neko server. The agent loop knows only this protocol.
public protocol BrowserEnvironment: Sendable {
    /// What the environment is (`cdp`, `neko`), for events and the session API.
    var kind: String { get }
    /// The screen's size in pixels; relative action coordinates are scaled by it.
    func screenSize() async throws -> ScreenSize
    /// A JPEG of the whole screen now, at `quality` (1–100).
    func screenshot(quality: Int) async throws -> Data
    /// Performs one action; relative positions are resolved against `screenSize()`.
    func perform(_ action: BrowserAction) async throws
    /// Opens `url` in the current tab.
    func navigate(to url: String) async throws
    /// The current page's URL and title, where the environment can tell.
    func page() async throws -> PageInfo
    /// Releases the browser or connection. Idempotent.
    func close() async
}

public struct ScreenSize: Sendable, Hashable, Codable {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// The pixel at relative coordinates (0–1), clamped to the screen.
    public func pixel(_ point: RelativePoint) -> (x: Int, y: Int) {
        let x = Int((min(max(point.x, 0), 1) * Double(width)).rounded())
        let y = Int((min(max(point.y, 0), 1) * Double(height)).rounded())
        return (min(x, max(width - 1, 0)), min(y, max(height - 1, 0)))
    }
}

public struct PageInfo: Sendable, Hashable {
    public var url: String?
    public var title: String?

    public init(url: String? = nil, title: String? = nil) {
        self.url = url
        self.title = title
    }
}

/// A point in relative screen coordinates: (0, 0) top left, (1, 1) bottom right (ShowUI's).
public struct RelativePoint: Sendable, Hashable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// One step's action in ShowUI's action space (web and phone).
public struct BrowserAction: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        // web
        case click = "CLICK", input = "INPUT", select = "SELECT", hover = "HOVER", answer = "ANSWER", enter = "ENTER"
        case scroll = "SCROLL", selectText = "SELECT_TEXT", copy = "COPY"
        // phone
        case tap = "TAP", swipe = "SWIPE"
    }

    public var kind: Kind
    /// INPUT's text, SELECT's option, ANSWER's answer, SCROLL's / SWIPE's direction
    /// (`up`, `down`, `left`, `right`), COPY's text.
    public var value: String?
    /// Where the action happens; the start of a drag (SELECT_TEXT, SWIPE).
    public var position: RelativePoint?
    /// The end of a drag.
    public var endPosition: RelativePoint?

    public init(kind: Kind, value: String? = nil, position: RelativePoint? = nil, endPosition: RelativePoint? = nil) {
        self.kind = kind
        self.value = value
        self.position = position
        self.endPosition = endPosition
    }

    /// ShowUI's shape as JSON: `{"action": "CLICK", "value": null, "position": [0.49, 0.42]}`,
    /// a drag's position as `[[x1, y1], [x2, y2]]`.
    public var json: JSONValue {
        var position: JSONValue = .null
        if let start = self.position {
            if let end = endPosition {
                position = .array([.array([.double(start.x), .double(start.y)]), .array([.double(end.x), .double(end.y)])])
            } else {
                position = .array([.double(start.x), .double(start.y)])
            }
        }
        return .object(["action": .string(kind.rawValue), "value": value.map(JSONValue.string) ?? .null, "position": position])
    }
}
