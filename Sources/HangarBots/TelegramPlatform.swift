import Foundation
import HangarCore

/// Telegram through its Bot API (`TelegramClient`).
public struct TelegramPlatform: BotPlatform {
    public let name = "telegram"
    public static let messageLimit = 4096
    /// Only messages reach the bot; edits, channel posts, callbacks and the rest are not asked for.
    static let allowedUpdates: JSONValue = ["message"]
    let client: TelegramClient

    public init(client: TelegramClient) {
        self.client = client
    }

    public func identify(token: String) async throws -> BotIdentity {
        do {
            let me = try await client.call("getMe", token: token, .emptyObject, deadline: .now + .seconds(15))
            let id = me["id"]?.intValue.map(String.init) ?? "unknown"
            return BotIdentity(id: id, username: me["username"]?.stringValue)
        } catch let failure as TelegramClient.Failure {
            throw Self.classify(failure, "getMe")
        }
    }

    public func registerWebhook(token: String, url: String, secret: String) async throws {
        do {
            _ = try await client.call(
                "setWebhook", token: token,
                ["url": .string(url), "secret_token": .string(secret), "allowed_updates": Self.allowedUpdates, "drop_pending_updates": false],
                deadline: .now + .seconds(15))
        } catch let failure as TelegramClient.Failure {
            throw Self.classify(failure, "setWebhook")
        }
    }

    public func unregisterWebhook(token: String) async throws {
        do {
            _ = try await client.call("deleteWebhook", token: token, .emptyObject, deadline: .now + .seconds(15))
        } catch let failure as TelegramClient.Failure {
            throw Self.classify(failure, "deleteWebhook")
        }
    }

    public func verify(header: (String) -> String?, body: [UInt8], deployment: BotDeployment) -> Bool {
        guard let presented = header("X-Telegram-Bot-Api-Secret-Token") else { return false }
        return BotSecretToken.matches(presented, storedHash: deployment.secretTokenHash)
    }

    public func parseUpdate(_ body: [UInt8]) throws -> BotUpdate? {
        let update: JSONValue
        do {
            update = try JSONText.decode(bytes: body)
        } catch {
            throw BotPlatformError.malformed("the update is not valid JSON")
        }
        guard case .object = update else { throw BotPlatformError.malformed("the update must be a JSON object") }
        guard let updateID = update["update_id"]?.intValue else {
            throw BotPlatformError.malformed("update_id is required (an integer)")
        }
        guard let message = update["message"], message != .null else { return nil }
        guard case .object = message, let chatID = message["chat"]?["id"]?.intValue else {
            throw BotPlatformError.malformed("message.chat.id is required (an integer)")
        }
        guard let text = message["text"]?.stringValue, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        let from = message["from"]
        return BotUpdate(
            updateID: String(updateID), chatID: String(chatID), userID: from?["id"]?.intValue.map(String.init),
            userName: from?["username"]?.stringValue ?? from?["first_name"]?.stringValue, text: text)
    }

    /// Each piece goes as Markdown first; one Telegram cannot parse ("can't parse entities")
    /// goes again as plain text rather than being lost.
    public func reply(token: String, chatID: String, text: String, deadline: ContinuousClock.Instant) async throws -> Int {
        var sent = 0
        for piece in ReplySplitter.split(text, limit: Self.messageLimit) {
            let chat = Int64(chatID).map(JSONValue.int) ?? .string(chatID)
            do {
                _ = try await client.call(
                    "sendMessage", token: token, ["chat_id": chat, "text": .string(piece), "parse_mode": "Markdown"], deadline: deadline)
            } catch let failure as TelegramClient.Failure where failure.status == 400 && failure.description.contains("can't parse entities") {
                do {
                    _ = try await client.call("sendMessage", token: token, ["chat_id": chat, "text": .string(piece)], deadline: deadline)
                } catch let failure as TelegramClient.Failure {
                    throw Self.classify(failure, "sendMessage")
                }
            } catch let failure as TelegramClient.Failure {
                throw Self.classify(failure, "sendMessage")
            }
            sent += 1
        }
        return sent
    }

    /// Never waits out a 429: a late "typing…" is worth nothing.
    public func typing(token: String, chatID: String) async throws {
        let chat = Int64(chatID).map(JSONValue.int) ?? .string(chatID)
        do {
            _ = try await client.call("sendChatAction", token: token, ["chat_id": chat, "action": "typing"], deadline: .now + .seconds(1))
        } catch let failure as TelegramClient.Failure {
            throw Self.classify(failure, "sendChatAction")
        }
    }

    /// 401 (and 404, which Telegram answers for a token that names no bot) is the token;
    /// other answers are refusals retrying would not change.
    static func classify(_ failure: TelegramClient.Failure, _ method: String) -> BotPlatformError {
        switch failure.status {
        case 401, 404: .unauthorized("Telegram refused the bot token (\(method): \(failure.status) \(failure.description))")
        case 429, 500...: .unavailable("Telegram \(method) kept failing: \(failure.status) \(failure.description)")
        default: .rejected("Telegram \(method) refused: \(failure.status) \(failure.description)")
        }
    }
}
