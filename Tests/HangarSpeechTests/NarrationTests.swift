import Foundation
import HangarCore
import HangarRuntime
import HangarServer
import HangarSpeech
import HangarStore
import HangarTestSupport
import Logging
import Testing

@Suite("Narration: tasks with options.enable_tts speak")
struct NarrationTests {
    static func run(
        narration: (any NarrationProvider)?, _ body: @escaping @Sendable (any HangarStore) async throws -> Void
    ) async throws {
        try await withTestStore(.sqlite) { store, _ in
            var logger = Logger(label: "test.narration")
            logger.logLevel = .warning
            let pool = WorkerPool(store: store, registry: .standard, configuration: .testing(), logger: logger, narration: narration)
            let running = Task { try await pool.run() }
            do {
                try await body(store)
            } catch {
                pool.stop()
                try? await running.value
                throw error
            }
            pool.stop()
            try await running.value
        }
    }

    static func submit(_ store: any HangarStore, _ agent: Agent, options: JSONValue) async throws -> String {
        try await store.taskInsert(
            TaskInsertParams(
                tenantID: agent.tenantID, agentID: agent.id, input: ["type": "generate", "prompt": "The form was submitted and the list has loaded."],
                options: options)
        ).task.id
    }

    static func finished(_ store: any HangarStore, _ id: String) async throws -> [TaskEvent] {
        let done = try await eventually(timeout: .seconds(20)) { try await store.taskGet(tenantID: nil, id: id)?.status == .completed }
        #expect(done, "task \(id) completed")
        return try await store.eventList(taskID: id, afterSeq: 0, limit: 100)
    }

    @Test("the attempt's answer is spoken into a session announced in the task's log; other tasks are silent")
    func narrated() async throws {
        let service = try SpeechTestSupport.espeakService()
        try await Self.run(narration: SpeechNarrationProvider(service: service)) { store in
            let agent = try await store.makeAgent()
            let spoken = try await Self.submit(store, agent, options: ["enable_tts": true, "voice_id": "default"])
            let silent = try await Self.submit(store, agent, options: ["mode": "web"])

            let events = try await Self.finished(store, spoken)
            let announced = try #require(events.first { $0.type == NewTaskEvent.Kind.narration })
            let sessionID = try #require(announced.data["session_id"]?.stringValue)
            #expect(announced.data["audio_url"] == .string("/api/v1/tts/stream/\(sessionID)/audio"))
            #expect(announced.data["websocket_url"] == .string("/ws/tts/\(sessionID)"))
            let session = try await service.session(sessionID, tenantID: agent.tenantID)
            let ended = await eventually(timeout: .seconds(20)) { await session.info().state.isFinal }
            let info = await session.info()
            #expect(ended && info.state == .completed, "the narration ends with the attempt: \(info.state)")
            #expect(info.charactersReceived >= 40, "the answer was given to the synthesiser")
            #expect(info.framesProduced > 50, "and spoken: \(info.framesProduced) frames of 20 ms")

            let quiet = try await Self.finished(store, silent)
            #expect(!quiet.contains { $0.type == NewTaskEvent.Kind.narration })
        }
    }

    @Test("a process without speech runs the task anyway and says so in its log")
    func unavailable() async throws {
        try await Self.run(narration: nil) { store in
            let agent = try await store.makeAgent()
            let id = try await Self.submit(store, agent, options: ["enable_tts": true])
            let events = try await Self.finished(store, id)
            #expect(events.contains { $0.type == NewTaskEvent.Kind.log && $0.data["level"] == "warning" && $0.data["message"]?.stringValue?.contains("enable_tts") == true })
            #expect(!events.contains { $0.type == NewTaskEvent.Kind.narration })
        }
    }
}
