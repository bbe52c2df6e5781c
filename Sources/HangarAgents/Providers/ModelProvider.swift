public import HangarCore

/// A chat message in the OpenAI shape, which every provider Hangar speaks understands.
public struct ChatMessage: Sendable, Hashable, Codable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

public struct ModelRequest: Sendable {
    /// Model name within the provider (`echo` in `mock/echo`).
    public var model: String
    public var messages: [ChatMessage]
    public var temperature: Double?
    public var maxTokens: Int?
    /// Provider-specific knobs from the agent config and task input (e.g. the mock's `latency_ms`).
    public var options: [String: JSONValue]

    public init(model: String, messages: [ChatMessage], temperature: Double? = nil, maxTokens: Int? = nil, options: [String: JSONValue] = [:]) {
        self.model = model
        self.messages = messages
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.options = options
    }
}

public struct ModelResponse: Sendable {
    public var content: String
    public var promptTokens: Int
    public var completionTokens: Int
    public var finishReason: String

    public init(content: String, promptTokens: Int, completionTokens: Int, finishReason: String = "stop") {
        self.content = content
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.finishReason = finishReason
    }
}

/// What a call may need from the attempt running it.
public struct ModelCallContext: Sendable {
    public var attempt: Int
    /// Called with each piece of text as it is generated, when the caller streams.
    public var onToken: (@Sendable (String) async throws -> Void)?

    public init(attempt: Int, onToken: (@Sendable (String) async throws -> Void)? = nil) {
        self.attempt = attempt
        self.onToken = onToken
    }
}

/// A source of completions: the built-in mock now; OpenAI-compatible endpoints and
/// Ollama plug in here. Throw `TaskFailure` with `retryable` set for transient errors.
public protocol ModelProvider: Sendable {
    func complete(_ request: ModelRequest, context: ModelCallContext) async throws -> ModelResponse
}

/// Providers by name; an agent's `model` is `provider/name`.
public struct ProviderRegistry: Sendable {
    public private(set) var providers: [String: any ModelProvider]
    /// Used when a model has no `provider/` prefix.
    public var defaultProvider: String

    public init(providers: [String: any ModelProvider] = ["mock": MockProvider()], defaultProvider: String = "mock") {
        self.providers = providers
        self.defaultProvider = defaultProvider
    }

    public mutating func register(_ name: String, _ provider: any ModelProvider) {
        providers[name] = provider
    }

    /// Splits `provider/name` (only at the first slash: `ollama/library/llama3` keeps its path).
    public func resolve(_ model: String) throws -> (provider: any ModelProvider, model: String) {
        var providerName = defaultProvider
        var modelName = model
        if let slash = model.firstIndex(of: "/"), providers[String(model[..<slash])] != nil {
            providerName = String(model[..<slash])
            modelName = String(model[model.index(after: slash)...])
        }
        guard let provider = providers[providerName] else {
            throw TaskFailure(code: "unknown_provider", message: "no model provider named '\(providerName)' is configured", retryable: false)
        }
        return (provider, modelName)
    }
}
