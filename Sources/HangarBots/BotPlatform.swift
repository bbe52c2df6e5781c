import HangarCore

/// What Hangar needs of a chat platform: check a token, connect and disconnect the webhook,
/// read an inbound update, answer in a chat. Telegram implements it; Discord is the next slice
/// (its inbound check is a signature instead of a shared secret, its reply an interaction edit).
public protocol BotPlatform: Sendable {
    /// `telegram`, `discord`.
    var name: String { get }
    /// Checks the token with the platform; `BotPlatformError.unauthorized` when it is refused.
    func identify(token: String) async throws -> BotIdentity
    /// Points the platform at `url`; it will send `secret` with every update.
    func registerWebhook(token: String, url: String, secret: String) async throws
    func unregisterWebhook(token: String) async throws
    /// Whether an inbound request really comes from the platform. `header` reads a request header.
    func verify(header: (String) -> String?, body: [UInt8], deployment: BotDeployment) -> Bool
    /// The message in an inbound update; `nil` for an update Hangar ignores (a sticker, a photo
    /// without caption, an edit). Throws `BotPlatformError.malformed` for something that is no update.
    func parseUpdate(_ body: [UInt8]) throws -> BotUpdate?
    /// Sends `text` to the chat, split to the platform's message size. Returns the messages sent.
    func reply(token: String, chatID: String, text: String, deadline: ContinuousClock.Instant) async throws -> Int
    /// "typing…" in the chat, best effort.
    func typing(token: String, chatID: String) async throws
}

/// Who the token belongs to.
public struct BotIdentity: Sendable, Hashable {
    public var id: String
    public var username: String?

    public init(id: String, username: String?) {
        self.id = id
        self.username = username
    }
}

/// One user message, as the task that answers it carries it.
public struct BotUpdate: Sendable, Hashable {
    /// The platform's id of the delivery: the task's idempotency key is made from it.
    public var updateID: String
    public var chatID: String
    public var userID: String?
    public var userName: String?
    public var text: String

    public init(updateID: String, chatID: String, userID: String?, userName: String?, text: String) {
        self.updateID = updateID
        self.chatID = chatID
        self.userID = userID
        self.userName = userName
        self.text = text
    }

    /// The task's input.
    public func input(platform: String) -> JSONValue {
        [
            "platform": .string(platform), "update_id": .string(updateID), "chat_id": .string(chatID),
            "user_id": userID.map(JSONValue.string) ?? .null, "user_name": userName.map(JSONValue.string) ?? .null, "text": .string(text),
        ]
    }

    /// Reads a task's input back.
    public init?(input: JSONValue) {
        guard let updateID = input["update_id"]?.stringValue, let chatID = input["chat_id"]?.stringValue, let text = input["text"]?.stringValue
        else { return nil }
        self.init(updateID: updateID, chatID: chatID, userID: input["user_id"]?.stringValue, userName: input["user_name"]?.stringValue, text: text)
    }
}

public enum BotPlatformError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The platform refused the token (revoked, mistyped).
    case unauthorized(String)
    /// The platform answered with an error that retrying will not change.
    case rejected(String)
    /// The platform could not be reached or kept failing (5xx, 429 past the deadline).
    case unavailable(String)
    /// An inbound request that is not an update.
    case malformed(String)

    public var description: String {
        switch self {
        case .unauthorized(let text), .rejected(let text), .unavailable(let text), .malformed(let text): text
        }
    }
}
