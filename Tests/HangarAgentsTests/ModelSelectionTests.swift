import HangarAgents
import HangarCore
import Testing

@Suite("Model selection")
struct ModelSelectionTests {
    static let models = [
        ModelInfo(provider: "ollama", name: "small", capabilities: ["text"], sizeBytes: 1, contextLength: 2048),
        ModelInfo(provider: "ollama", name: "medium", capabilities: ["text", "tools"], sizeBytes: 5, contextLength: 8192),
        ModelInfo(provider: "ollama", name: "large", capabilities: ["text", "tools", "vision"], sizeBytes: 9, contextLength: 32768),
        ModelInfo(provider: "openai", name: "priced", capabilities: ["text"], sizeBytes: nil, contextLength: 128_000),
        ModelInfo(provider: "mock", name: "echo", capabilities: ["text", "tools", "vision", "embeddings"]),
    ]

    static func pick(_ request: ModelSelection.Request) throws -> ModelSelection {
        try ModelSelection.choose(
            request, from: models, isPriced: { $0 == "openai/priced" }, cost: { $0 == "openai/priced" ? 3 : 0 }
        ).get()
    }

    @Test("each priority ranks the qualifying models its own way; the mock is never among them")
    func priorities() throws {
        #expect(try Self.pick(.init(priority: .quality)).selected.id == "ollama/large")
        #expect(try Self.pick(.init(priority: .speed)).selected.id == "openai/priced", "no size reported counts as smallest")
        #expect(try Self.pick(.init(priority: .cost)).selected.id == "openai/priced", "the only priced model first")
        #expect(try Self.pick(.init(priority: .balanced)).selected.id == "ollama/medium")
        for priority in ModelSelection.Priority.allCases {
            let choice = try Self.pick(.init(priority: priority))
            #expect(([choice.selected] + choice.fallbacks).allSatisfy { $0.provider != "mock" })
        }
    }

    @Test("needs filter first: capabilities asked for or implied by the content, and the context a task needs")
    func requirements() throws {
        #expect(try Self.pick(.init(contentType: "image")).selected.id == "ollama/large")
        #expect(try Self.pick(.init(priority: .speed, capabilities: ["tools"])).selected.id == "ollama/medium")
        #expect(try Self.pick(.init(priority: .speed, maxTokens: 10_000)).selected.id == "openai/priced")
        let none = ModelSelection.choose(.init(taskType: "embedding search"), from: Self.models)
        guard case .failure(let problem) = none else { Issue.record("chose \(none)"); return }
        #expect(problem.detail.contains("capability embeddings"))
    }
}
