public import HangarCore

/// How a bot's deployment moves between `deploying`, `running`, `error` and `stopped`, decided
/// once here for the deploy and restart routes and the worker that talks to the platform:
/// registering the webhook makes it `running` and clears the last error, a platform refusing
/// the token makes it `error` with the reason (until a restart succeeds), and only a `stopped`
/// bot leaves updates unanswered.
public enum BotDeploymentTransitions {
    public enum Event: Sendable, Equatable {
        /// The platform took the webhook at `url`; `secretHash` is the hash of the secret it will send.
        case webhookRegistered(url: String, secretHash: String)
        /// The platform refused the token or the webhook, or could not be reached while (re)registering.
        case registrationFailed(reason: String)
        /// The platform refused the token while answering (a revoked token).
        case tokenRefused(reason: String)
    }

    public static func apply(_ event: Event, to deployment: BotDeployment) -> BotDeployment {
        var next = deployment
        switch event {
        case .webhookRegistered(let url, let secretHash):
            next.status = .running
            next.lastError = nil
            next.webhookURL = url
            next.secretTokenHash = secretHash
        case .registrationFailed(let reason), .tokenRefused(let reason):
            // A stopped bot stays stopped; its error is still recorded.
            if next.status != .stopped { next.status = .error }
            next.lastError = reason
        }
        return next
    }

    /// Whether an authenticated update becomes a task (a stopped bot's are acknowledged and dropped).
    public static func answersUpdates(_ status: BotDeployment.Status) -> Bool {
        status != .stopped
    }
}
