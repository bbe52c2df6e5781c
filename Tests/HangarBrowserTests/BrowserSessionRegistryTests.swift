import Foundation
import HangarCore
import HangarTestSupport
import Testing

@testable import HangarBrowser

@Suite("Persistent browser sessions")
struct BrowserSessionRegistryTests {
    /// A clock the test moves.
    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var current = Date(timeIntervalSince1970: 1_700_000_000)
        var now: Date { lock.withLock { current } }
        func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
    }

    /// Environments made so far, for checking which were closed.
    actor Made {
        var environments: [FakeEnvironment] = []
        var specs: [EnvironmentSpec] = []
        func add(_ environment: FakeEnvironment, _ spec: EnvironmentSpec) {
            environments.append(environment)
            specs.append(spec)
        }
    }

    static func registry(max: Int = 3, clock: Clock = Clock(), made: Made = Made()) -> BrowserSessionRegistry {
        BrowserSessionRegistry(maxSessions: max, defaultIdleTimeout: 60, now: { clock.now }) { spec, resolution, _ in
            let environment = FakeEnvironment(size: resolution)
            await made.add(environment, spec)
            return environment
        }
    }

    @Test("Create, get, list and delete, per tenant; another tenant's session is not found")
    func lifecycle() async throws {
        let made = Made()
        let registry = Self.registry(made: made)
        let session = try await registry.create(tenantID: "t1", spec: .cdp(chromePath: nil, devtoolsURL: nil), resolution: ScreenSize(width: 1024, height: 768))
        #expect(session.id.hasPrefix("ses_") && session.id.count == 28 && session.kind == "fake" && session.status == .idle)
        #expect(session.screen == ScreenSize(width: 1024, height: 768) && session.tenantID == "t1")
        #expect(session.json["session_id"] == .string(session.id) && session.json["screen"]?["width"] == 1024 && session.json["status"] == "idle")
        #expect(session.mode == .web && session.json["mode"] == "web")
        #expect(try await registry.get(id: session.id, tenantID: "t1") == session)
        #expect(await registry.list(tenantID: "t1").map(\.id) == [session.id])
        #expect(await registry.list(tenantID: "t2").isEmpty)
        await #expect(throws: HangarError.notFound(resource: "session", id: session.id)) { try await registry.get(id: session.id, tenantID: "t2") }
        await #expect(throws: HangarError.notFound(resource: "session", id: session.id)) { try await registry.delete(id: session.id, tenantID: "t2") }

        try await registry.delete(id: session.id, tenantID: "t1")
        #expect(await registry.count == 0)
        #expect(await made.environments[0].closed == 1)
        await #expect(throws: HangarError.self) { try await registry.create(tenantID: "t1", spec: .session(id: "ses_x"), resolution: ScreenSize(width: 800, height: 600)) }
    }

    @Test("A lease is exclusive until released; a busy session cannot be deleted")
    func lease() async throws {
        let registry = Self.registry()
        let session = try await registry.create(tenantID: "t1", spec: .cdp(chromePath: nil, devtoolsURL: nil), resolution: ScreenSize(width: 800, height: 600))
        _ = try await registry.lease(id: session.id, tenantID: "t1", taskID: "task-1")
        #expect(try await registry.get(id: session.id, tenantID: "t1").status == .busy)
        let busy = await #expect(throws: HangarError.self) { try await registry.lease(id: session.id, tenantID: "t1", taskID: "task-2") }
        #expect(busy?.description.contains("busy with task 'task-1'") == true)
        await #expect(throws: HangarError.self) { try await registry.delete(id: session.id, tenantID: "t1") }
        await registry.release(id: session.id, tenantID: "t1")
        #expect(try await registry.get(id: session.id, tenantID: "t1").status == .idle)
        _ = try await registry.lease(id: session.id, tenantID: "t1", taskID: "task-2")
    }

    @Test("The session limit holds; idle sessions expire on sweep, busy ones do not; closeAll closes the rest")
    func limitsAndExpiry() async throws {
        let clock = Clock()
        let made = Made()
        let registry = Self.registry(max: 2, clock: clock, made: made)
        let spec = EnvironmentSpec.cdp(chromePath: nil, devtoolsURL: nil)
        let size = ScreenSize(width: 800, height: 600)
        let idle = try await registry.create(tenantID: "t1", spec: spec, resolution: size)
        let busy = try await registry.create(tenantID: "t1", spec: spec, resolution: size, idleTimeout: 30)
        await #expect(throws: HangarError.self) { try await registry.create(tenantID: "t2", spec: spec, resolution: size) }
        await #expect(throws: HangarError.self) { try await registry.create(tenantID: "t1", spec: spec, resolution: size, idleTimeout: 1) }
        _ = try await registry.lease(id: busy.id, tenantID: "t1", taskID: "task")

        clock.advance(59)
        #expect(await registry.sweep().isEmpty)
        clock.advance(2)
        #expect(await registry.sweep() == [idle.id])
        #expect(await made.environments[0].closed == 1)
        #expect(await made.environments[1].closed == 0)
        // Released, its idle clock restarts.
        await registry.release(id: busy.id, tenantID: "t1")
        #expect(await registry.sweep(now: clock.now.addingTimeInterval(29)).isEmpty)
        _ = try await registry.create(tenantID: "t2", spec: spec, resolution: size)
        await registry.closeAll()
        #expect(await registry.count == 0)
        for environment in await made.environments { #expect(await environment.closed == 1) }
    }

    @Test("A task with session_id runs in the session: leased for the task, kept open, idle again afterwards")
    func taskInSession() async throws {
        let made = Made()
        let registry = Self.registry(made: made)
        let server = ModelServer()
        await server.enqueue(
            BrowserExecutorTests.reply("{'action': 'CLICK', 'value': None, 'position': [0.5, 0.5]}"),
            BrowserExecutorTests.reply("{'action': 'ANSWER', 'value': 'done', 'position': None}"))
        try await server.run { url in
            try await BrowserHarness.with { harness in
                let session = try await registry.create(
                    tenantID: harness.agent.tenantID, spec: .cdp(chromePath: nil, devtoolsURL: nil), resolution: ScreenSize(width: 640, height: 480))
                let provider = StandardEnvironmentProvider(sessions: registry) { _, _, _ in throw FakeError(message: "no fresh environments here") }
                let executor = BrowserExecutor(catalog: BrowserHarness.catalog(url), environments: provider)
                let attempt = try await harness.run(executor, input: ["task": "t", "session_id": .string(session.id)])
                #expect(attempt.output?["answer"] == "done", "\(attempt.result)")
                let environment = await made.environments[0]
                #expect(await environment.performed.count == 1)
                #expect(await environment.closed == 0)
                #expect(try await registry.get(id: session.id, tenantID: harness.agent.tenantID).status == .idle)

                // Busy: a retryable failure naming the session; unknown: not retryable.
                _ = try await registry.lease(id: session.id, tenantID: harness.agent.tenantID, taskID: "other")
                let busy = try await harness.run(executor, input: ["task": "t", "session_id": .string(session.id)])
                #expect(busy.failure?.code == "session_busy" && busy.failure?.retryable == true)
                let missing = try await harness.run(executor, input: ["task": "t", "session_id": "ses_nope"])
                #expect(missing.failure?.code == "session_not_found" && missing.failure?.retryable == false)
            }
        }
    }
}
