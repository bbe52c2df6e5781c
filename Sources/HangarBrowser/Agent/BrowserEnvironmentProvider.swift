public import HangarRuntime
import HangarCore

/// Where a browser task gets its screen: a fresh environment per task, or a persistent
/// session leased for the task's duration. Injected into `BrowserExecutor`, so tests hand it
/// fakes and the server wires the real launchers (`StandardEnvironmentProvider`).
public protocol BrowserEnvironmentProvider: Sendable {
    func environment(for spec: EnvironmentSpec, resolution: ScreenSize, context: TaskContext) async throws -> EnvironmentLease
}

/// An environment for one task, and what to do with it afterwards.
public struct EnvironmentLease: Sendable {
    public let environment: any BrowserEnvironment
    /// `true` for a per-task environment (closed at the end), `false` for a session (kept).
    public let closeAfterTask: Bool
    private let onRelease: @Sendable () async -> Void

    public init(environment: any BrowserEnvironment, closeAfterTask: Bool, onRelease: @escaping @Sendable () async -> Void = {}) {
        self.environment = environment
        self.closeAfterTask = closeAfterTask
        self.onRelease = onRelease
    }

    /// Ends the task's use: closes a per-task environment, returns a session to its registry.
    public func release() async {
        if closeAfterTask { await environment.close() }
        await onRelease()
    }
}

/// Creates an environment for a spec (`cdp` or `neko`) at a resolution, for a mode (a CDP
/// browser emulates a phone's touch screen in `phone` mode): the CDP launcher and the Neko
/// client behind one closure.
public typealias BrowserEnvironmentFactory = @Sendable (EnvironmentSpec, ScreenSize, BrowserMode) async throws -> any BrowserEnvironment

/// The production provider: `session` specs lease from the registry (the session keeps its
/// own screen size; the task's `screen_resolution` does not resize it), the others are
/// created by `factory` for the task and closed after it.
public struct StandardEnvironmentProvider: BrowserEnvironmentProvider {
    let sessions: BrowserSessionRegistry?
    let factory: BrowserEnvironmentFactory

    public init(sessions: BrowserSessionRegistry?, factory: @escaping BrowserEnvironmentFactory) {
        self.sessions = sessions
        self.factory = factory
    }

    public func environment(for spec: EnvironmentSpec, resolution: ScreenSize, context: TaskContext) async throws -> EnvironmentLease {
        if case .session(let id) = spec {
            guard let sessions else {
                throw TaskFailure(code: "sessions_unavailable", message: "this worker keeps no browser sessions", retryable: false)
            }
            let tenantID = context.agent.tenantID
            let environment = try await sessions.lease(id: id, tenantID: tenantID, taskID: context.task.id)
            return EnvironmentLease(environment: environment, closeAfterTask: false) { await sessions.release(id: id, tenantID: tenantID) }
        }
        // The task's input was validated at submission; a bad mode here falls back to web.
        let mode = context.task.input["mode"]?.stringValue.flatMap(BrowserMode.init(rawValue:)) ?? .web
        return EnvironmentLease(environment: try await factory(spec, resolution, mode), closeAfterTask: true)
    }
}
