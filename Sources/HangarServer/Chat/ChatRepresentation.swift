import Foundation
import HangarCore

/// The wire shapes of chat sessions and messages. `session_id` repeats `id`, and
/// `model_name` repeats `model`, for clients written against seed 004.
enum ChatRepresentation {
    static func json(_ session: ChatSessionRecord) -> JSONValue {
        [
            "id": .string(session.id),
            "session_id": .string(session.id),
            "title": session.title.map(JSONValue.string) ?? .null,
            "session_type": .string(session.sessionType),
            "model": .string(session.model),
            "model_name": .string(session.model),
            "system_prompt": session.systemPrompt.map(JSONValue.string) ?? .null,
            "agent_id": session.agentID.map(JSONValue.string) ?? .null,
            "config": session.config,
            "status": .string(session.status.rawValue),
            "created_by": .string(session.createdBy),
            "message_count": .int(Int64(session.messageCount)),
            "created_at": .string(Timestamp.format(session.createdAt)),
            "updated_at": .string(Timestamp.format(session.updatedAt)),
            "last_message_at": session.lastMessageAt.map { .string(Timestamp.format($0)) } ?? .null,
        ]
    }

    static func json(_ message: ChatMessageRecord) -> JSONValue {
        func number(_ value: Int?) -> JSONValue { value.map { .int(Int64($0)) } ?? .null }
        return [
            "id": .string(message.id),
            "session_id": .string(message.sessionID),
            "seq": .int(message.seq),
            "role": .string(message.role),
            "content": .string(message.content),
            "images": .array(message.images.map(JSONValue.string)),
            "model": message.model.map(JSONValue.string) ?? .null,
            "prompt_tokens": number(message.promptTokens),
            "completion_tokens": number(message.completionTokens),
            "cost_usd": message.costUSD.map(JSONValue.double) ?? .null,
            "performance_metrics": message.metrics ?? .null,
            "created_at": .string(Timestamp.format(message.createdAt)),
        ]
    }
}
