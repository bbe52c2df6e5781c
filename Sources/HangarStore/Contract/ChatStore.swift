import Foundation
public import HangarCore

/// Chat sessions and their numbered messages.
public protocol ChatStore: Sendable {
    func chatSessionInsert(_ params: ChatSessionInsertParams) async throws -> ChatSessionRecord
    func chatSessionGet(tenantID: String, id: String) async throws -> ChatSessionRecord?
    /// Newest first, with the number matching the filter (for paging).
    func chatSessionList(_ params: ChatSessionListParams) async throws -> (sessions: [ChatSessionRecord], total: Int)
    /// `nil` when the tenant has no such session.
    func chatSessionUpdateStatus(tenantID: String, id: String, status: ChatSessionRecord.Status) async throws -> ChatSessionRecord?
    /// Deletes the session and its messages; `false` when the tenant has no such session.
    func chatSessionDelete(tenantID: String, id: String) async throws -> Bool
    /// Numbers and stores one message. `notFound` without the session; `conflict` when
    /// `requireActive` is set and the session is not active.
    func chatMessageAppend(_ params: ChatMessageAppendParams) async throws -> ChatMessageRecord
    func chatMessageList(_ params: ChatMessageListParams) async throws -> [ChatMessageRecord]
}
