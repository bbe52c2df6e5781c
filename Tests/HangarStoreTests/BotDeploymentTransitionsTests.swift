import Foundation
import HangarCore
import HangarStore
import Testing

@Suite("Bot deployment transitions")
struct BotDeploymentTransitionsTests {
    static let deploying = BotDeployment(
        agentID: "a", tenantID: "t", platform: "telegram", webhookURL: "https://old/webhook/a", secretTokenHash: "old", createdAt: Date(),
        updatedAt: Date())

    @Test("registering the webhook runs the bot and clears the error; refusals put it in error with the reason; stopped stays stopped")
    func moves() {
        let running = BotDeploymentTransitions.apply(.webhookRegistered(url: "https://new/webhook/a", secretHash: "new"), to: Self.deploying)
        #expect(running.status == .running && running.lastError == nil && running.webhookURL == "https://new/webhook/a" && running.secretTokenHash == "new")
        let revoked = BotDeploymentTransitions.apply(.tokenRefused(reason: "401 Unauthorized"), to: running)
        #expect(revoked.status == .error && revoked.lastError == "401 Unauthorized" && revoked.secretTokenHash == "new")
        let stillFailing = BotDeploymentTransitions.apply(.registrationFailed(reason: "unreachable"), to: revoked)
        #expect(stillFailing.status == .error && stillFailing.lastError == "unreachable")
        let restarted = BotDeploymentTransitions.apply(.webhookRegistered(url: "https://new/webhook/a", secretHash: "newer"), to: stillFailing)
        #expect(restarted.status == .running && restarted.lastError == nil)

        var stopped = running
        stopped.status = .stopped
        #expect(BotDeploymentTransitions.apply(.tokenRefused(reason: "401"), to: stopped).status == .stopped)
        #expect(!BotDeploymentTransitions.answersUpdates(.stopped))
        #expect(BotDeployment.Status.allCases.filter { $0 != .stopped }.allSatisfy(BotDeploymentTransitions.answersUpdates))
    }
}
