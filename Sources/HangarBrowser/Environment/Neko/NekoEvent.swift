import HangarCore

/// One WebSocket message in Neko v3's envelope: `{"event": "control/move", "payload": {…}}`.
public struct NekoEvent: Sendable, Hashable {
    public var event: String
    public var payload: JSONValue?

    public init(_ event: String, _ payload: JSONValue? = nil) {
        self.event = event
        self.payload = payload
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = ["event": .string(event)]
        if let payload { object["payload"] = payload }
        return .object(object)
    }

    public init?(json: JSONValue) {
        guard let event = json["event"]?.stringValue else { return nil }
        self.init(event, json["payload"])
    }

    /// The event names this client speaks (server/pkg/types/event in v3).
    public enum Name {
        public static let systemInit = "system/init"
        public static let systemHeartbeat = "system/heartbeat"
        public static let systemDisconnect = "system/disconnect"
        public static let clientHeartbeat = "client/heartbeat"
        public static let controlHost = "control/host"
        public static let controlRequest = "control/request"
        public static let controlRelease = "control/release"
        public static let controlMove = "control/move"
        public static let controlScroll = "control/scroll"
        public static let controlButtonPress = "control/buttonpress"
        public static let controlButtonDown = "control/buttondown"
        public static let controlButtonUp = "control/buttonup"
        public static let controlKeyPress = "control/keypress"
        public static let controlKeyDown = "control/keydown"
        public static let controlKeyUp = "control/keyup"
        public static let controlCopy = "control/copy"
        public static let controlPaste = "control/paste"
        public static let clipboardSet = "clipboard/set"
        public static let screenUpdated = "screen/updated"
        public static let chatMessage = "chat/message"
    }
}
