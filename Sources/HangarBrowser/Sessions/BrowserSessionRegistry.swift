public import Foundation
import HangarCore

/// The persistent environments of this process, by tenant.
///
/// A session is leased by one task at a time (a second task gets a clear conflict rather than
/// two agents fighting over one mouse), returned when the task ends, and closed when it has
/// been idle longer than its timeout (`sweep`, which the server calls periodically) or at
/// shutdown (`closeAll`). Environments come from the factory given at init, so the registry
/// is tested with fakes.
public actor BrowserSessionRegistry {
    private struct Entry {
        var session: BrowserSession
        let environment: any BrowserEnvironment
    }

    private var entries: [String: Entry] = [:]
    /// Slots taken by creations still waiting for their environment.
    private var creating = 0
    private let factory: BrowserEnvironmentFactory
    private let now: @Sendable () -> Date
    public let maxSessions: Int
    public let defaultIdleTimeout: TimeInterval
    public static let idleTimeoutRange: ClosedRange<TimeInterval> = 10...86_400

    public init(
        maxSessions: Int = 8, defaultIdleTimeout: TimeInterval = 900, now: @escaping @Sendable () -> Date = { Date() },
        factory: @escaping BrowserEnvironmentFactory
    ) {
        self.maxSessions = max(0, maxSessions)
        self.defaultIdleTimeout = defaultIdleTimeout
        self.now = now
        self.factory = factory
    }

    /// Starts an environment and keeps it as a session. `spec` is `cdp` or `neko`.
    public func create(
        tenantID: String, spec: EnvironmentSpec, resolution: ScreenSize, mode: BrowserMode = .web, idleTimeout: TimeInterval? = nil
    ) async throws
        -> BrowserSession
    {
        if case .session = spec { throw HangarError.invalid(field: "environment", message: "a session cannot be made of another session") }
        let timeout = idleTimeout ?? defaultIdleTimeout
        guard Self.idleTimeoutRange.contains(timeout) else {
            throw HangarError.invalid(field: "idle_timeout", message: "must be from 10 to 86400 seconds")
        }
        guard entries.count + creating < maxSessions else {
            throw HangarError.conflict("the session limit (\(maxSessions)) is reached: delete a session or wait for an idle one to expire")
        }
        creating += 1
        defer { creating -= 1 }
        let environment = try await factory(spec, resolution, mode)
        let screen = (try? await environment.screenSize()) ?? resolution
        let created = now()
        let session = BrowserSession(
            id: "ses_" + Identifier.leaseToken().replacingOccurrences(of: "-", with: "").prefix(24), tenantID: tenantID, kind: environment.kind,
            mode: mode, status: .idle, screen: screen, createdAt: created, lastUsedAt: created, idleTimeout: timeout, taskID: nil)
        entries[session.id] = Entry(session: session, environment: environment)
        return session
    }

    public func get(id: String, tenantID: String) throws -> BrowserSession {
        try entry(id, tenantID).session
    }

    /// The tenant's sessions, oldest first.
    public func list(tenantID: String) -> [BrowserSession] {
        entries.values.map(\.session).filter { $0.tenantID == tenantID }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    /// Closes and forgets a session; a session a task holds is refused (cancel the task first).
    public func delete(id: String, tenantID: String) async throws {
        let found = try entry(id, tenantID)
        if found.session.status == .busy {
            throw HangarError.conflict("session '\(id)' is in use by task '\(found.session.taskID ?? "?")'; cancel the task first")
        }
        entries[id] = nil
        await found.environment.close()
    }

    /// What the session's screen shows now: for the API's live view and for capture episodes
    /// recorded from a session. Reading the screen does not disturb a task that holds it.
    public func screenshot(id: String, tenantID: String, quality: Int) async throws -> Data {
        let environment = try entry(id, tenantID).environment
        return try await environment.screenshot(quality: quality)
    }

    /// Hands the session's environment to a task, exclusively, until `release`.
    public func lease(id: String, tenantID: String, taskID: String) throws -> any BrowserEnvironment {
        var found = try entry(id, tenantID)
        if found.session.status == .busy {
            throw HangarError.conflict("session '\(id)' is busy with task '\(found.session.taskID ?? "?")'")
        }
        found.session.status = .busy
        found.session.taskID = taskID
        found.session.lastUsedAt = now()
        entries[id] = found
        return found.environment
    }

    /// The task is done with the session: it is idle again and its idle clock restarts.
    public func release(id: String, tenantID: String) {
        guard var found = entries[id], found.session.tenantID == tenantID else { return }
        found.session.status = .idle
        found.session.taskID = nil
        found.session.lastUsedAt = now()
        entries[id] = found
    }

    /// Closes idle sessions whose idle timeout has passed; returns their ids.
    @discardableResult
    public func sweep(now: Date? = nil) async -> [String] {
        let now = now ?? self.now()
        let expired = entries.values.filter { $0.session.status == .idle && $0.session.expiresAt <= now }
        for entry in expired { entries[entry.session.id] = nil }
        for entry in expired { await entry.environment.close() }
        return expired.map(\.session.id).sorted()
    }

    /// Closes every session (shutdown).
    public func closeAll() async {
        let all = entries.values.map(\.environment)
        entries.removeAll()
        for environment in all { await environment.close() }
    }

    public var count: Int { entries.count }

    /// Another tenant's session is "not found", never "forbidden".
    private func entry(_ id: String, _ tenantID: String) throws(HangarError) -> Entry {
        guard let found = entries[id], found.session.tenantID == tenantID else { throw HangarError.notFound(resource: "session", id: id) }
        return found
    }
}
