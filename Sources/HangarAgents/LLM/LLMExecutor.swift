import Foundation
public import HangarCore
public import HangarRuntime

/// `kind: "llm"`: one model call per task for the seed's task types, through the provider
/// named by the agent's `model`. Knobs (`temperature`, `max_tokens`, `system_prompt`,
/// provider options such as the mock's `latency_ms`) come from the agent's config, and the
/// task input may override provider options. `stream: true` writes tokens to the event log.
public struct LLMExecutor: AgentExecutor {
    let providers: ProviderRegistry

    public init(providers: ProviderRegistry = ProviderRegistry()) {
        self.providers = providers
    }

    public func validate(input: JSONValue) throws {
        _ = try LLMInput.parse(input)
    }

    public func execute(_ context: TaskContext) async throws -> ExecutionResult {
        let input: LLMInput
        do {
            input = try LLMInput.parse(context.task.input)
        } catch let error as HangarError {
            throw TaskFailure(code: "invalid_input", message: error.description, retryable: false)
        }
        let config = context.agent.config.objectValue ?? [:]
        let modelName = context.agent.model ?? "mock/echo"
        let (provider, model) = try providers.resolve(modelName)

        var options = config
        for (key, value) in context.task.input.objectValue ?? [:] where Self.providerOptions.contains(key) {
            options[key] = value
        }
        let request = ModelRequest(
            model: model, messages: Self.messages(for: input, systemPrompt: config["system_prompt"]?.stringValue),
            temperature: config["temperature"]?.doubleValue, maxTokens: config["max_tokens"]?.intValue, options: options)

        let stream = options["stream"]?.boolValue ?? false
        let events = context.events
        var onToken: (@Sendable (String) async throws -> Void)?
        if stream {
            onToken = { @Sendable token in try await events.emit(NewTaskEvent.Kind.token, ["text": .string(token)]) }
        }

        let started = ContinuousClock.now
        let response = try await provider.complete(request, context: ModelCallContext(attempt: context.attempt, onToken: onToken))
        let elapsed = (ContinuousClock.now - started).seconds
        try await events.emit(
            NewTaskEvent.Kind.step,
            [
                "step": 1, "action": "model_call", "model": .string(modelName),
                "prompt_tokens": .int(Int64(response.promptTokens)), "completion_tokens": .int(Int64(response.completionTokens)),
                "duration_seconds": .double((elapsed * 1000).rounded() / 1000),
            ])
        // A narrated task answers aloud.
        await context.narrate(String(response.content.prefix(2000)))
        let usage: JSONValue = [
            "prompt_tokens": .int(Int64(response.promptTokens)), "completion_tokens": .int(Int64(response.completionTokens)),
            "total_tokens": .int(Int64(response.promptTokens + response.completionTokens)), "model": .string(modelName),
        ]
        return ExecutionResult(output: Self.output(for: input, response: response.content, model: modelName), usage: usage)
    }

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
            return [
                "type": "analyze", "analysis_type": .string(analysisType.rawValue), "analysis": .string(response),
                "model": .string(model),
            ]
        }
    }
}
