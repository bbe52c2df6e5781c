import Foundation

/// How a bot agent is connected to its chat platform (issue 16): the webhook registered there,
/// its state, and what went through it. One per bot agent.
public struct BotDeployment: Sendable, Hashable {
    public enum Status: String, Sendable, CaseIterable {
        /// Created; the platform has not confirmed the webhook yet.
        case deploying
        case running
        /// The platform refused us (a revoked token, a webhook it would not take): see `lastError`.
        case error
        case stopped
    }

    public var agentID: String
    public var tenantID: String
    /// `telegram` (Discord is the next slice).
    public var platform: String
    public var status: Status
    public var lastError: String?
    /// `{HANGAR_PUBLIC_URL}/webhook/{agent_id}`.
    public var webhookURL: String?
    public var botUsername: String?
    /// SHA-256 (hex) of the secret the platform sends back with every update: enough to check
    /// it, useless to forge one. A restart registers a new secret.
    public var secretTokenHash: String
    public var messagesIn: Int
    public var repliesOut: Int
    public var lastActivityAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        agentID: String, tenantID: String, platform: String, status: Status = .deploying, lastError: String? = nil, webhookURL: String? = nil,
        botUsername: String? = nil, secretTokenHash: String, messagesIn: Int = 0, repliesOut: Int = 0, lastActivityAt: Date? = nil,
        createdAt: Date, updatedAt: Date
    ) {
        self.agentID = agentID
        self.tenantID = tenantID
        self.platform = platform
        self.status = status
        self.lastError = lastError
        self.webhookURL = webhookURL
        self.botUsername = botUsername
        self.secretTokenHash = secretTokenHash
        self.messagesIn = messagesIn
        self.repliesOut = repliesOut
        self.lastActivityAt = lastActivityAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
