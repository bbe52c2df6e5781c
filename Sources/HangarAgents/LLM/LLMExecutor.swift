import Foundation
public import HangarCore
public import HangarRuntime

/// `kind: "llm"`: the seed's task types through the provider named by the agent's `model`,
/// with an optional tool-calling loop.
///
/// Each step is one model call (a `step` event with tokens, cost and timings); when the model
/// asks for tools, each call and its result are events too (`tool_call`, `tool_result`) and
/// the results go back to the model, up to `max_steps` (agent config or task input, default
/// 10). Tokens stream into the event log as they arrive (coalesced to one event per ~50 ms)
/// unless `stream: false`. Every call is recorded in the usage ledger, and an agent whose
/// `budget_limit` is spent stops before its next step.
public struct LLMExecutor: AgentExecutor {
    let catalog: ModelCatalog
    let tools: ToolEnvironment?

    public init(catalog: ModelCatalog = ModelCatalog(), tools: ToolEnvironment? = nil) {
        self.catalog = catalog
        self.tools = tools
    }

    public init(providers: ProviderRegistry) {
        self.init(catalog: ModelCatalog(providers: providers))
    }

    static let defaultMaxSteps = 10
    static let maxStepsCeiling = 100
    public var maxStepsRange: ClosedRange<Int>? { 1...Self.maxStepsCeiling }

    public func validate(input: JSONValue) throws {
        _ = try LLMInput.parse(input)
        if let steps = input["max_steps"], !(steps.intValue.map { (1...Self.maxStepsCeiling).contains($0) } ?? false) {
            throw HangarError.invalid(field: "input.max_steps", message: "must be an integer from 1 to \(Self.maxStepsCeiling)")
        }
    }

    public func execute(_ context: TaskContext) async throws -> ExecutionResult {
        let input: LLMInput
        do {
            input = try LLMInput.parse(context.task.input)
        } catch let error as HangarError {
            throw TaskFailure(code: "invalid_input", message: error.description, retryable: false)
        }
        let config = context.agent.config.objectValue ?? [:]
        let taskInput = context.task.input.objectValue ?? [:]
        let modelName = taskInput["model"]?.stringValue ?? context.agent.model ?? "mock/echo"
        let (provider, model) = try catalog.providers.resolve(modelName)
        let (providerName, _) = catalog.providers.split(modelName)

        var options = config
        for (key, value) in taskInput where Self.providerOptions.contains(key) { options[key] = value }
        let maxSteps = min(
            Self.maxStepsCeiling, max(1, context.task.maxSteps ?? taskInput["max_steps"]?.intValue ?? config["max_steps"]?.intValue ?? Self.defaultMaxSteps))
        let stream = options["stream"]?.boolValue ?? (providerName != "mock")
        let apiKey = try await context.modelAPIKey(config: config, provider: provider)

        var toolBox = ToolBox()
        if let toolConfig = config["tools"]?.arrayValue, !toolConfig.isEmpty {
            guard let tools else {
                throw TaskFailure(code: "tools_unavailable", message: "this worker has no tool environment configured", retryable: false)
            }
            toolBox = try await ToolBox.open(toolConfig, environment: tools)
        }
        let box = toolBox
        do {
            let result = try await run(
                context, input: input, provider: provider, model: model, modelName: modelName, options: options, config: config,
                maxSteps: maxSteps, stream: stream, apiKey: apiKey, tools: box)
            await box.close()
            return result
        } catch {
            await box.close()
            throw error
        }
    }

    private func run(
        _ context: TaskContext, input: LLMInput, provider: any ModelProvider, model: String, modelName: String, options: [String: JSONValue],
        config: [String: JSONValue], maxSteps: Int, stream: Bool, apiKey: String?, tools: ToolBox
    ) async throws -> ExecutionResult {
        let events = context.events
        var messages = Self.messages(for: input, systemPrompt: config["system_prompt"]?.stringValue)
        var totals = (prompt: 0, completion: 0, cost: 0.0)
        var toolCallsMade = 0
        var lastContent = ""
        var stopReason = "max_steps"
        let stepTimeout = tools.isEmpty ? nil : self.tools?.stepTimeout

        for step in 1...maxSteps {
            try await context.ensureBudgetLeft()
            let request = ModelRequest(
                model: model, messages: messages, temperature: config["temperature"]?.doubleValue, maxTokens: config["max_tokens"]?.intValue,
                tools: tools.specs, responseFormat: Self.responseFormat(config: config, input: context.task.input), options: options)
            let coalescer = stream ? TokenCoalescer(events: events, step: step) : nil
            var onToken: (@Sendable (String) async throws -> Void)?
            if let coalescer { onToken = { @Sendable text in try await coalescer.add(text) } }
            let callStarted = ContinuousClock.now
            let response = try await provider.tracedComplete(
                request, context: ModelCallContext(attempt: context.attempt, onToken: onToken, apiKey: apiKey, timeout: stepTimeout),
                provider: catalog.providers.split(modelName).provider)
            context.metrics?.providerRequest(
                provider: catalog.providers.split(modelName).provider, duration: ContinuousClock.now - callStarted, promptTokens: response.promptTokens,
                completionTokens: response.completionTokens)
            try await coalescer?.flush()

            let cost = catalog.cost(model: modelName, promptTokens: response.promptTokens, completionTokens: response.completionTokens)
            totals.prompt += response.promptTokens
            totals.completion += response.completionTokens
            totals.cost += cost
            try await context.usage?.record(
                UsageRecord(
                    tenantID: context.agent.tenantID, agentID: context.agent.id, taskID: context.task.id, model: modelName,
                    promptTokens: response.promptTokens, completionTokens: response.completionTokens, costUSD: cost))
            var stepData: [String: JSONValue] = [
                "step": .int(Int64(step)), "action": "model_call", "model": .string(modelName),
                "prompt_tokens": .int(Int64(response.promptTokens)), "completion_tokens": .int(Int64(response.completionTokens)),
                "cost_usd": .double(cost), "duration_seconds": .double(Self.round(response.timings.total)),
                "finish_reason": .string(response.finishReason),
            ]
            if let first = response.timings.firstToken { stepData["first_token_seconds"] = .double(Self.round(first)) }
            if !response.toolCalls.isEmpty { stepData["tool_calls"] = .array(response.toolCalls.map { .string($0.name) }) }
            try await events.emit(NewTaskEvent.Kind.step, .object(stepData))
            lastContent = response.content

            guard !response.toolCalls.isEmpty, !tools.isEmpty else {
                stopReason = response.finishReason == "length" ? "length" : "completed"
                break
            }
            messages.append(ChatMessage(role: "assistant", content: response.content, toolCalls: response.toolCalls))
            for call in response.toolCalls {
                toolCallsMade += 1
                try await events.emit(
                    "tool_call", ["step": .int(Int64(step)), "id": .string(call.id), "tool": .string(call.name), "arguments": .string(call.arguments)])
                let started = ContinuousClock.now
                let output = await tools.call(call, timeout: self.tools?.stepTimeout ?? .seconds(300))
                try await events.emit(
                    "tool_result",
                    [
                        "step": .int(Int64(step)), "id": .string(call.id), "tool": .string(call.name), "is_error": .bool(output.isError),
                        "result": .string(String(output.text.prefix(4000))),
                        "duration_seconds": .double(Self.round((ContinuousClock.now - started).seconds)),
                    ])
                messages.append(ChatMessage(role: "tool", content: output.text, toolCallID: call.id, name: call.name))
            }
        }
        if stopReason == "max_steps" {
            try await events.log("stopped after max_steps (\(maxSteps)) with tool calls still pending", level: "warning")
        }
        // A narrated task answers aloud.
        await context.narrate(String(lastContent.prefix(2000)))
        let usage: JSONValue = [
            "prompt_tokens": .int(Int64(totals.prompt)), "completion_tokens": .int(Int64(totals.completion)),
            "total_tokens": .int(Int64(totals.prompt + totals.completion)), "cost_usd": .double(totals.cost), "model": .string(modelName),
        ]
        var output = Self.output(for: input, response: lastContent, model: modelName)
        if case .object(var fields) = output {
            fields["stop_reason"] = .string(stopReason)
            if !tools.isEmpty {
                fields["steps"] = .int(Int64(messages.filter { $0.role == "assistant" }.count + (stopReason == "max_steps" ? 0 : 1)))
                fields["tool_calls"] = .int(Int64(toolCallsMade))
            }
            output = .object(fields)
        }
        return ExecutionResult(output: output, usage: usage)
    }

    /// `response_format` in the agent config or task input: `"json"`, or `{"type":
    /// "json_schema", "name": …, "schema": {…}}`.
    static func responseFormat(config: [String: JSONValue], input: JSONValue) -> ResponseFormat {
        let value = input["response_format"] ?? config["response_format"]
        if value?.stringValue == "json" || value?["type"]?.stringValue == "json_object" { return .json }
        if value?["type"]?.stringValue == "json_schema", let schema = value?["schema"] ?? value?["json_schema"]?["schema"] {
            return .jsonSchema(name: value?["name"]?.stringValue ?? value?["json_schema"]?["name"]?.stringValue ?? "output", schema: schema)
        }
        return .text
    }

    static func round(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }

    /// Input fields that tune the provider for one task.
    static let providerOptions: Set<String> = ["latency_ms", "fail_times", "replies", "stream"]

    static func messages(for input: LLMInput, systemPrompt: String?) -> [ChatMessage] {
        var messages: [ChatMessage] = []
        func system(_ text: String?) {
            if let text, !text.isEmpty { messages.append(ChatMessage(role: "system", content: text)) }
        }
        switch input {
        case .generate(let prompt, let override):
            system(override ?? systemPrompt)
            messages.append(ChatMessage(role: "user", content: prompt))
        case .chat(let history):
            if !history.contains(where: { $0.role == "system" }) { system(systemPrompt) }
            messages.append(contentsOf: history)
        case .summarize(let text, let length):
            let sentences = ["short": "one or two sentences", "medium": "a short paragraph", "long": "several paragraphs"][length.rawValue]!
            system(systemPrompt ?? "You summarise text faithfully. Answer with the summary only, in \(sentences).")
            messages.append(ChatMessage(role: "user", content: text))
        case .analyze(let text, let analysisType):
            let instruction: String
            switch analysisType {
            case .sentiment: instruction = "Classify the sentiment of the text as positive, negative or neutral and explain briefly."
            case .topics: instruction = "List the main topics of the text."
            case .entities: instruction = "List the named entities in the text with their types."
            case .general: instruction = "Analyse the text: its purpose, main points and tone."
            }
            system(systemPrompt ?? instruction)
            messages.append(ChatMessage(role: "user", content: text))
        }
        return messages
    }

    static func output(for input: LLMInput, response: String, model: String) -> JSONValue {
        switch input {
        case .generate:
            return ["type": "generate", "response": .string(response), "model": .string(model)]
        case .chat:
            return [
                "type": "chat", "response": .string(response), "model": .string(model),
                "message": ["role": "assistant", "content": .string(response)],
            ]
        case .summarize(let text, let length):
            let ratio = response.isEmpty ? 0 : (Double(text.count) / Double(response.count) * 100).rounded() / 100
            return [
                "type": "summarize", "summary": .string(response), "length": .string(length.rawValue),
                "compression_ratio": .double(ratio), "model": .string(model),
            ]
        case .analyze(_, let analysisType):
            var result: [String: JSONValue] = [
                "type": "analyze", "analysis_type": .string(analysisType.rawValue), "analysis": .string(response), "model": .string(model),
            ]
            // A model asked for JSON (response_format) answers structured; keep it structured.
            if let structured = try? JSONText.decode(response), structured.objectValue != nil { result["result"] = structured }
            return .object(result)
        }
    }
}

/// Gathers streamed tokens into `token` events: one per ~50 ms or 512 characters, so a fast
/// model does not cost a database write per token while a watcher still sees the text grow.
actor TokenCoalescer {
    let events: TaskEventSink
    let step: Int
    private var pending = ""
    private var lastFlush = ContinuousClock.now
    static let interval = Duration.milliseconds(50)
    static let maxPending = 512

    init(events: TaskEventSink, step: Int) {
        self.events = events
        self.step = step
    }

    func add(_ text: String) async throws {
        pending += text
        if pending.count >= Self.maxPending || ContinuousClock.now - lastFlush >= Self.interval { try await flush() }
    }

    func flush() async throws {
        guard !pending.isEmpty else { return }
        let text = pending
        pending = ""
        lastFlush = .now
        try await events.emit(NewTaskEvent.Kind.token, ["text": .string(text), "step": .int(Int64(step))])
    }
}
