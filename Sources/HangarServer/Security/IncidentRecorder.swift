import Foundation
import HangarCore
import HangarStore
import Logging
import Hummingbird
import Synchronization

/// Records security incidents, at most one per (tenant, type, actor, agent) a minute, so a
/// flood of refused requests is one incident, not a flood of rows. Best effort: a failure
/// to write is logged and never turns a refusal into a 500.
public final class IncidentRecorder: Sendable {
    let store: any IncidentStore
    let logger: Logger
    let window: Duration
    /// Failed authentications that make an `AUTH_FAILURE` incident, and the window they count in.
    let authFailureThreshold: Int
    let authFailureWindow: Duration
    private let lastRecorded = Mutex<[String: ContinuousClock.Instant]>([:])
    private let authFailures = Mutex<[String: [ContinuousClock.Instant]]>([:])
    /// Bounds both maps: a scan of many sources cannot grow memory without limit.
    private let maxTracked = 10_000

    public init(
        store: any IncidentStore, logger: Logger = Logger(label: "hangar.security"), window: Duration = .seconds(60),
        authFailureThreshold: Int = 5, authFailureWindow: Duration = .seconds(300)
    ) {
        self.store = store
        self.logger = logger
        self.window = window
        self.authFailureThreshold = authFailureThreshold
        self.authFailureWindow = authFailureWindow
    }

    public func record(_ incident: SecurityIncident) async {
        let key = [incident.tenantID, incident.kind.rawValue, incident.actor ?? "", incident.agentID ?? ""].joined(separator: "|")
        let now = ContinuousClock.now
        let fresh = lastRecorded.withLock { recent -> Bool in
            if let last = recent[key], now - last < window { return false }
            if recent.count >= maxTracked { recent = recent.filter { now - $0.value < window } }
            recent[key] = now
            return true
        }
        guard fresh else { return }
        logger.warning(
            "security incident",
            metadata: ["type": .string(incident.kind.rawValue), "severity": .string(incident.severity.rawValue), "tenant_id": .string(incident.tenantID),
                "description": .string(incident.description)])
        do {
            try await store.incidentInsert(incident)
        } catch {
            logger.error("security incident not recorded", metadata: ["type": .string(incident.kind.rawValue), "error": "\(error)"])
        }
    }

    /// Counts a failed authentication from `source` (the client address); the failure that
    /// reaches the threshold within the window records an incident in the default tenant,
    /// where the system admin reads it.
    public func authenticationFailed(source: String, reason: String) async {
        let now = ContinuousClock.now
        let count = authFailures.withLock { failures -> Int in
            if failures.count >= maxTracked { failures = failures.filter { now - ($0.value.last ?? now) < authFailureWindow } }
            var times = failures[source, default: []].filter { now - $0 < authFailureWindow }
            times.append(now)
            // The threshold is all that is ever asked of the count: a flood keeps no more.
            if times.count > authFailureThreshold { times.removeFirst(times.count - authFailureThreshold) }
            failures[source] = times
            return times.count
        }
        guard count >= authFailureThreshold else { return }
        await record(
            SecurityIncident(
                tenantID: Tenant.defaultID, kind: .authFailure, severity: .high,
                description: "\(count) or more failed authentications from \(source) within \(Int(authFailureWindow.seconds)) s",
                actor: source, details: ["source": .string(source), "failures": .int(Int64(count)), "last_reason": .string(reason)]))
    }
}

/// Records the refusals that handlers mark as incidents (`APIError.recording`): quota and
/// rate-limit breaches, refused agent definitions, blocked tools and SSRF attempts.
struct IncidentMiddleware: RouterMiddleware {
    typealias Context = HangarRequestContext
    let recorder: IncidentRecorder

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            if let tag = error.incident {
                await recorder.record(
                    SecurityIncident(
                        tenantID: context.tenantID, kind: tag.kind, severity: tag.severity, description: error.detail, agentID: tag.agentID,
                        actor: context.actor,
                        details: [
                            "method": .string(request.method.rawValue), "path": .string(request.uri.path),
                            "status_code": .int(Int64(error.status.code)), "client_ip": context.clientAddress.map(JSONValue.string) ?? .null,
                        ]))
            }
            throw error
        }
    }
}
