import AsyncHTTPClient
import Foundation
import HangarCore
import HangarRuntime
import HangarStore
import HangarTestSupport
import Testing

@testable import HangarAgents

/// `kind: "llm"` agents end to end: submitted to the queue, run by a worker pool against a
/// local OpenAI-compatible server, tools included.
@Suite("LLM agents through the queue")
struct LLMAgentTests {
    static func catalog(_ url: String, prices: PriceTable = PriceTable()) -> ModelCatalog {
        var registry = ProviderRegistry()
        registry.register("openai", ProviderTests.openAI(url))
        return ModelCatalog(providers: registry, prices: prices)
    }

    static func tools(mcpCommands: Set<String>? = [], allowPrivate: Bool = true) -> ToolEnvironment {
        ToolEnvironment(
            network: NetworkPolicy(allowedDomains: [], allowPrivateNetworks: allowPrivate), mcpCommands: mcpCommands,
            stepTimeout: .seconds(20))
    }

    /// Runs `body` with a store, a worker pool whose `llm` executor talks to `url`, and an agent.
    static func withAgent(
        _ url: String, config: JSONValue = .emptyObject, tools: ToolEnvironment = tools(), budget: Double? = nil, prices: PriceTable = PriceTable(),
        backend: TestBackend = .sqlite, _ body: (any HangarStore, Agent) async throws -> Void
    ) async throws {
        try await withTestStore(backend) { store, _ in
            let agent = try await store.agentInsert(
                AgentInsertParams(
                    tenantID: Tenant.defaultID, name: "writer", kind: "llm", model: "openai/gpt-4o-mini", config: config, budgetLimit: budget))
            let pool = PoolHarness(
                store: store, registry: ExecutorRegistry(["llm": LLMExecutor(catalog: catalog(url, prices: prices), tools: tools)]),
                configuration: .testing(concurrency: 2))
            do {
                try await body(store, agent)
                try await pool.stop()
            } catch {
                try? await pool.stop()
                throw error
            }
        }
    }

    static func events(_ store: any HangarStore, _ task: TaskRecord, _ type: String) async throws -> [JSONValue] {
        try await store.eventList(taskID: task.id, afterSeq: 0, limit: 10_000).filter { $0.type == type }.map(\.data)
    }

    @Test("Each seed task type: the prompt sent, the output's fields, tokens streamed into the event log")
    func taskTypes() async throws {
        let server = ModelServer()
        await server.enqueue(
            .stream(ModelServer.streamed(["Once ", "upon ", "a ", "time."], prompt: 12)),
            .json(ModelServer.completion("Hi Ada!", prompt: 20, completion: 3)),
            .json(ModelServer.completion("Short.", prompt: 40, completion: 2)),
            .json(ModelServer.completion(#"{"sentiment": "positive", "confidence": 0.93}"#, prompt: 15, completion: 9)))
        try await server.run { url in
            try await Self.withAgent(url, config: ["system_prompt": "You are terse."]) { store, agent in
                let generate = try await store.submit(agent, input: ["type": "generate", "prompt": "Tell a story"])
                let done = try await store.waitFor(generate.id)
                #expect(done.status == .completed)
                #expect(done.output?["response"] == "Once upon a time." && done.output?["type"] == "generate")
                #expect(done.usage?["prompt_tokens"] == 12 && done.usage?["completion_tokens"] == 4)
                let tokens = try await Self.events(store, done, "token").compactMap { $0["text"]?.stringValue }
                #expect(tokens.joined() == "Once upon a time." && !tokens.isEmpty)
                let sent = await server.requests[0]
                #expect(sent["messages"] == [["role": "system", "content": "You are terse."], ["role": "user", "content": "Tell a story"]])

                let chat = try await store.submit(
                    agent, input: ["type": "chat", "messages": [["role": "user", "content": "I am Ada"], ["role": "assistant", "content": "Hello"], ["role": "user", "content": "Greet me"]]])
                let chatDone = try await store.waitFor(chat.id)
                #expect(chatDone.output?["message"] == ["role": "assistant", "content": "Hi Ada!"])
                #expect(await server.requests[1]["messages"]?.arrayValue?.count == 4)

                let text = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 4)
                let summary = try await store.waitFor(try await store.submit(agent, input: ["type": "summarize", "text": .string(text), "length": "short"]).id)
                #expect(summary.output?["summary"] == "Short." && summary.output?["length"] == "short")
                #expect(summary.output?["compression_ratio"]?.doubleValue == (Double(text.count) / 6 * 100).rounded() / 100)

                let analysis = try await store.waitFor(
                    try await store.submit(agent, input: ["type": "analyze", "text": "I love it", "analysis_type": "sentiment", "response_format": "json"]).id)
                #expect(analysis.output?["result"] == ["sentiment": "positive", "confidence": 0.93])
                #expect(await server.requests[3]["response_format"] == ["type": "json_object"])
                let steps = try await Self.events(store, analysis, "step")
                #expect(steps.count == 1 && steps[0]["prompt_tokens"] == 15 && steps[0]["model"] == "openai/gpt-4o-mini")
            }
        }
    }

    @Test("A tool loop: built-in and MCP tools (HTTP and stdio) are offered, called, and their results go back to the model")
    func toolLoop() async throws {
        let stdio = try Self.fixtureBinary()
        let server = ModelServer()
        try await MCPHTTPFixture.run { mcpURL in
            await server.enqueue(
                .json(ModelServer.completion(nil, toolCalls: [("c1", "add", #"{"a": 2, "b": 3}"#), ("c2", "current_time", "{}")])),
                .json(ModelServer.completion(nil, toolCalls: [("c3", "words__word_count", #"{"text": "one two three four"}"#), ("c4", "explode", "{}")])),
                .json(ModelServer.completion("2 + 3 = 5 and the text has 4 words.")))
            try await server.run { url in
                let config: JSONValue = [
                    "tools": [
                        "current_time", ["type": "mcp", "name": "calc", "url": .string(mcpURL)],
                        ["type": "mcp", "name": "words", "command": .string(stdio), "args": []],
                    ]
                ]
                try await Self.withAgent(url, config: config, tools: Self.tools(mcpCommands: [stdio])) { store, agent in
                    let task = try await store.waitFor(try await store.submit(agent, input: ["prompt": "add and count"]).id)
                    #expect(task.status == .completed, "\(String(describing: task.error))")
                    #expect(task.output?["response"] == "2 + 3 = 5 and the text has 4 words.")
                    #expect(task.output?["stop_reason"] == "completed" && task.output?["tool_calls"] == 4 && task.output?["steps"] == 3)

                    let offered = await server.requests[0]["tools"]?.arrayValue?.compactMap { $0["function"]?["name"]?.stringValue }
                    // Both servers offer the same tools: the later server's are prefixed with its name.
                    #expect(
                        Set(offered ?? []) == ["current_time", "add", "word_count", "explode", "words__add", "words__word_count", "words__explode"])
                    // The results the model got back, computed by the real tools.
                    let second = await server.requests[1]["messages"]?.arrayValue ?? []
                    let toolMessages = second.filter { $0["role"] == "tool" }
                    #expect(toolMessages.first?["tool_call_id"] == "c1" && toolMessages.first?["content"] == "5.0")
                    let time = try JSONText.decode(toolMessages.last?["content"]?.stringValue ?? "")
                    #expect(time["timezone"] == "UTC" && (time["unix"]?.doubleValue ?? 0) > 1_700_000_000)
                    #expect(second.contains { $0["role"] == "assistant" && $0["tool_calls"]?.arrayValue?.count == 2 })
                    let third = await server.requests[2]["messages"]?.arrayValue?.filter { $0["role"] == "tool" } ?? []
                    #expect(third.suffix(2).map { $0["content"]?.stringValue ?? "" } == ["4", "explode blew up on purpose"])

                    let results = try await Self.events(store, task, "tool_result")
                    #expect(results.map { $0["tool"]?.stringValue ?? "" } == ["add", "current_time", "words__word_count", "explode"])
                    #expect(results.map { $0["is_error"]?.boolValue ?? false } == [false, false, false, true])
                    #expect(try await Self.events(store, task, "tool_call").count == 4)
                }
            }
        }
    }

    @Test("A model that keeps calling tools stops at max_steps")
    func maxSteps() async throws {
        let server = ModelServer()
        for index in 0..<5 { await server.enqueue(.json(ModelServer.completion("thinking", toolCalls: [("c\(index)", "current_time", "{}")]))) }
        try await server.run { url in
            try await Self.withAgent(url, config: ["tools": ["current_time"], "max_steps": 3]) { store, agent in
                let task = try await store.waitFor(try await store.submit(agent, input: ["prompt": "loop"]).id)
                #expect(task.status == .completed)
                #expect(task.output?["stop_reason"] == "max_steps" && task.output?["tool_calls"] == 3)
                let (sent, left) = (await server.requests.count, await server.remaining)
                #expect(sent == 3 && left == 2)
                #expect(try await Self.events(store, task, "step").count == 3)
            }
        }
    }

    @Test("http_request refuses internal addresses (the model is told why), and unknown tools fail the task clearly")
    func httpRequestPolicy() async throws {
        let server = ModelServer()
        try await server.run { url in
            await server.enqueue(
                .json(ModelServer.completion(nil, toolCalls: [("c1", "http_request", .init("{\"url\": \"\(url)/v1/models\"}"))])),
                .json(ModelServer.completion("could not fetch")))
            try await Self.withAgent(url, config: ["tools": ["http_request"]], tools: Self.tools(allowPrivate: false)) { store, agent in
                let task = try await store.waitFor(try await store.submit(agent, input: ["prompt": "fetch"]).id)
                let result = try #require(try await Self.events(store, task, "tool_result").first)
                #expect(result["is_error"] == true && result["result"]?.stringValue?.contains("internal address") == true)
                #expect(task.status == .completed)
            }
            await server.enqueue(
                .json(ModelServer.completion(nil, toolCalls: [("c1", "http_request", .init("{\"url\": \"\(url)/v1/models\"}"))])),
                .json(ModelServer.completion("done")))
            try await Self.withAgent(url, config: ["tools": ["http_request"]], tools: Self.tools(allowPrivate: true)) { store, agent in
                let task = try await store.waitFor(try await store.submit(agent, input: ["prompt": "fetch"]).id)
                let result = try #require(try await Self.events(store, task, "tool_result").first)
                #expect(result["is_error"] == false && result["result"]?.stringValue?.contains("gpt-4o-mini") == true)
            }
            // DNS rebinding: the request goes to the address the policy checked. `rebind.test`
            // resolves only in the policy's resolver, so a second lookup by the client would fail.
            let port = try #require(URLComponents(string: url)?.port)
            await server.enqueue(
                .json(ModelServer.completion(nil, toolCalls: [("c1", "http_request", .init("{\"url\": \"http://rebind.test:\(port)/v1/models\"}"))])),
                .json(ModelServer.completion("done")))
            var pinned = Self.tools(allowPrivate: true)
            pinned.resolve = { $0 == "rebind.test" ? ["127.0.0.1"] : [] }
            try await Self.withAgent(url, config: ["tools": ["http_request"]], tools: pinned) { store, agent in
                let task = try await store.waitFor(try await store.submit(agent, input: ["prompt": "fetch"]).id)
                let result = try #require(try await Self.events(store, task, "tool_result").first)
                #expect(result["is_error"] == false && result["result"]?.stringValue?.contains("gpt-4o-mini") == true, "\(result)")
            }
            // And the same name resolving inside the network is refused when private networks are.
            await server.enqueue(
                .json(ModelServer.completion(nil, toolCalls: [("c1", "http_request", .init("{\"url\": \"http://rebind.test:\(port)/v1/models\"}"))])),
                .json(ModelServer.completion("refused")))
            var closed = Self.tools(allowPrivate: false)
            closed.resolve = { _ in ["127.0.0.1"] }
            try await Self.withAgent(url, config: ["tools": ["http_request"]], tools: closed) { store, agent in
                let task = try await store.waitFor(try await store.submit(agent, input: ["prompt": "fetch"]).id)
                let result = try #require(try await Self.events(store, task, "tool_result").first)
                #expect(result["is_error"] == true && result["result"]?.stringValue?.contains("internal address") == true, "\(result)")
            }
            try await Self.withAgent(url, config: ["tools": ["shell"]]) { store, agent in
                let task = try await store.waitFor(try await store.submit(agent, input: ["prompt": "x"]).id)
                #expect(task.status == .failed && task.error?.code == "invalid_tool" && task.error?.message.contains("unknown tool 'shell'") == true)
            }
            // Starting a process needs the worker's permission.
            try await Self.withAgent(url, config: ["tools": [["type": "mcp", "command": "cat"]]], tools: Self.tools(mcpCommands: [])) { store, agent in
                let task = try await store.waitFor(try await store.submit(agent, input: ["prompt": "x"]).id)
                #expect(task.status == .failed && task.error?.message.contains("HANGAR_MCP_COMMANDS") == true)
            }
            // `cat` allowed means the server's `cat`: not a file of that name elsewhere, not one
            // found through a PATH or loader variable the task sets.
            let trap = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-mcp-trap-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: trap, withIntermediateDirectories: true)
            let marker = trap.appendingPathComponent("ran").path
            try "#!/bin/sh\ntouch \(marker)\n".write(to: trap.appendingPathComponent("cat"), atomically: true, encoding: .utf8)
            chmod(trap.appendingPathComponent("cat").path, 0o755)
            for tool: JSONValue in [
                ["type": "mcp", "command": .string(trap.appendingPathComponent("cat").path)],
                ["type": "mcp", "command": "cat", "env": ["PATH": .string(trap.path)]],
                ["type": "mcp", "command": "cat", "env": ["LD_PRELOAD": .string(trap.appendingPathComponent("x.so").path)]],
            ] {
                try await Self.withAgent(url, config: ["tools": [tool]], tools: Self.tools(mcpCommands: ["cat"])) { store, agent in
                    let task = try await store.waitFor(try await store.submit(agent, input: ["prompt": "x"]).id)
                    #expect(task.status == .failed && task.error?.code == "invalid_tool", "\(tool): \(String(describing: task.error))")
                }
            }
            #expect(!FileManager.default.fileExists(atPath: marker), "a tenant's program ran")
        }
    }

    @Test("Usage is recorded per model call with its cost, and an agent stops at the next step once its budget is spent", arguments: TestBackend.allCases)
    func budget(_ backend: TestBackend) async throws {
        let server = ModelServer()
        // $10 / $20 per million tokens: the first call (1,000 + 500 tokens) costs $0.02.
        let prices = PriceTable(prices: ["openai/*": ModelPrice(promptPerMillion: 10, completionPerMillion: 20)])
        await server.enqueue(
            .json(ModelServer.completion(nil, toolCalls: [("c1", "current_time", "{}")], prompt: 1000, completion: 500)),
            .json(ModelServer.completion("never sent")))
        try await server.run { url in
            try await Self.withAgent(url, config: ["tools": ["current_time"]], budget: 0.015, prices: prices, backend: backend) { store, agent in
                let task = try await store.waitFor(try await store.submit(agent, input: ["prompt": "spend"]).id)
                #expect(task.status == .failed && task.error?.code == "budget_exceeded" && task.error?.retryable == false)
                #expect(task.error?.message.contains("$0.0200 of $0.0150") == true)
                #expect(await server.requests.count == 1)  // stopped before the second call
                #expect(try await store.usageCost(tenantID: Tenant.defaultID, agentID: agent.id) == 0.02)
                let days = try await store.usageDaily(tenantID: Tenant.defaultID, agentID: agent.id, since: Date().addingTimeInterval(-86_400))
                #expect(days.count == 1 && days[0].model == "openai/gpt-4o-mini" && days[0].promptTokens == 1000 && days[0].completionTokens == 500)
                let step = try #require(try await Self.events(store, task, "step").first)
                #expect(step["cost_usd"]?.doubleValue == 0.02)
            }
        }
    }

    /// The stdio MCP server built beside the tests.
    static func fixtureBinary() throws -> String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hangar-mcp-fixture").path,
            FileManager.default.currentDirectoryPath + "/.build/debug/hangar-mcp-fixture",
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw WaitTimeout(description: "hangar-mcp-fixture not built (swift build --build-tests builds it); looked in \(candidates)")
        }
        return found
    }
}
