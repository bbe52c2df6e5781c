public import HangarCore

/// What of a chat session's history (the chat API's and bots' alike) is sent to the model.
///
/// The rule (also in `docs/chat.md`): the budget is `context_tokens × 4` characters (a token
/// is about four characters of English text; `context_tokens` defaults to 4096).
/// 1. The system prompt and the newest user message are always sent, even if together they
///    exceed the budget.
/// 2. Older messages are added newest first while the characters of everything sent stay
///    within the budget.
/// 3. The first older message that does not fit ends the history: what is sent is always the
///    most recent, unbroken stretch of the conversation.
///
/// Characters are counted over message text only. Images travel with the message they were
/// sent with and are not sent again with later messages. At most the newest `maxMessages`
/// stored messages are considered.
public enum ChatHistory {
    public static let defaultContextTokens = 4096
    public static let charactersPerToken = 4
    public static let maxMessages = 1000

    /// `history` is oldest first and ends with the newest user message.
    public static func messages(systemPrompt: String?, history: [ChatMessageRecord], contextTokens: Int) -> (messages: [ChatMessage], characters: Int) {
        let budget = contextTokens * charactersPerToken
        var characters = 0
        var head: [ChatMessage] = []
        if let systemPrompt, !systemPrompt.isEmpty {
            head.append(ChatMessage(role: "system", content: systemPrompt))
            characters += systemPrompt.count
        }
        guard let newest = history.last else { return (head, characters) }
        characters += newest.content.count
        var older: [ChatMessage] = []
        for message in history.dropLast().reversed() where ["user", "assistant"].contains(message.role) {
            guard characters + message.content.count <= budget else { break }
            characters += message.content.count
            older.append(ChatMessage(role: message.role, content: message.content))
        }
        let last = ChatMessage(role: newest.role, content: newest.content, images: newest.images)
        return (head + older.reversed() + [last], characters)
    }
}
