public import HangarCore
import HangarErrorText

/// A chat message in the OpenAI shape, which every provider Hangar speaks understands.
public struct ChatMessage: Sendable, Hashable {
    /// `system`, `user`, `assistant` or `tool`.
    public var role: String
    public var content: String
    /// Images for vision models: `data:` URLs, `https:` URLs or bare base64 (JPEG/PNG).
    public var images: [String]
    /// Calls the assistant asked for (role `assistant`).
    public var toolCalls: [ToolCall]
    /// The call this message answers (role `tool`).
    public var toolCallID: String?
    /// The tool's name (role `tool`); some providers want it.
    public var name: String?

    public init(
        role: String, content: String, images: [String] = [], toolCalls: [ToolCall] = [], toolCallID: String? = nil,
        name: String? = nil
    ) {
        self.role = role
        self.content = content
        self.images = images
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
        self.name = name
    }
}

/// A function call the model asked for. `arguments` is the JSON text as the model wrote it:
/// it may be malformed, and the tool loop reports that back to the model.
public struct ToolCall: Sendable, Hashable {
    public var id: String
    public var name: String
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// A tool offered to the model: a name, what it does, and a JSON Schema of its arguments.
public struct ToolSpec: Sendable, Hashable {
    public var name: String
    public var description: String
    public var parameters: JSONValue

    public init(name: String, description: String, parameters: JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

/// Structured output: free text, any JSON object, or JSON matching a schema.
public enum ResponseFormat: Sendable, Hashable {
    case text
    case json
    case jsonSchema(name: String, schema: JSONValue)
}

public struct ModelRequest: Sendable {
    /// Model name within the provider (`echo` in `mock/echo`).
    public var model: String
    public var messages: [ChatMessage]
    public var temperature: Double?
    public var maxTokens: Int?
    public var tools: [ToolSpec]
    public var responseFormat: ResponseFormat
    /// Provider-specific knobs from the agent config and task input (e.g. the mock's `latency_ms`).
    public var options: [String: JSONValue]

    public init(
        model: String, messages: [ChatMessage], temperature: Double? = nil, maxTokens: Int? = nil, tools: [ToolSpec] = [],
        responseFormat: ResponseFormat = .text, options: [String: JSONValue] = [:]
    ) {
        self.model = model
        self.messages = messages
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.tools = tools
        self.responseFormat = responseFormat
        self.options = options
    }
}

/// Where the time of one call went. `total` is measured by Hangar; the rest come from the
/// provider when it reports them (Ollama, llama.cpp) or are measured when that is honest
/// (`firstToken` when streaming), and are `nil` otherwise — never guessed.
public struct ModelTimings: Sendable, Hashable {
    public var total: Double
    /// Request sent → first token received (streaming only).
    public var firstToken: Double?
    /// Loading the model into memory (Ollama's `load_duration`).
    public var load: Double?
    /// Evaluating the prompt (Ollama's `prompt_eval_duration`, llama.cpp's `prompt_ms`).
    public var promptEval: Double?
    /// Generating the answer (Ollama's `eval_duration`, llama.cpp's `predicted_ms`, or first
    /// token → last token when streaming).
    public var generation: Double?

    public init(total: Double, firstToken: Double? = nil, load: Double? = nil, promptEval: Double? = nil, generation: Double? = nil) {
        self.total = total
        self.firstToken = firstToken
        self.load = load
        self.promptEval = promptEval
        self.generation = generation
    }
}

public struct ModelResponse: Sendable {
    public var content: String
    public var promptTokens: Int
    public var completionTokens: Int
    public var finishReason: String
    public var toolCalls: [ToolCall]
    public var timings: ModelTimings
    /// `false` when the provider reported no usage and the counts are Hangar's estimate.
    public var usageReported: Bool

    public init(
        content: String, promptTokens: Int, completionTokens: Int, finishReason: String = "stop", toolCalls: [ToolCall] = [],
        timings: ModelTimings = ModelTimings(total: 0), usageReported: Bool = true
    ) {
        self.content = content
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.finishReason = finishReason
        self.toolCalls = toolCalls
        self.timings = timings
        self.usageReported = usageReported
    }
}

/// What a call may need from the caller running it.
public struct ModelCallContext: Sendable {
    public var attempt: Int
    /// Called with each piece of text as it is generated, when the caller streams.
    public var onToken: (@Sendable (String) async throws -> Void)?
    /// A key that overrides the provider's configured one (an agent secret).
    public var apiKey: String?
    /// Longest one request may take, retries included.
    public var timeout: Duration?

    public init(
        attempt: Int, onToken: (@Sendable (String) async throws -> Void)? = nil, apiKey: String? = nil, timeout: Duration? = nil
    ) {
        self.attempt = attempt
        self.onToken = onToken
        self.apiKey = apiKey
        self.timeout = timeout
    }
}

/// A model a provider serves, as `GET /api/v1/models/available` lists it.
public struct ModelInfo: Sendable, Hashable {
    /// `provider/name`, what an agent's `model` takes.
    public var id: String
    public var provider: String
    public var name: String
    /// Of `text`, `vision`, `tools`, `embeddings`.
    public var capabilities: [String]
    public var sizeBytes: Int64?
    public var contextLength: Int?
    public var modifiedAt: String?
    public var details: JSONValue

    public init(
        provider: String, name: String, capabilities: [String], sizeBytes: Int64? = nil, contextLength: Int? = nil,
        modifiedAt: String? = nil, details: JSONValue = .emptyObject
    ) {
        self.id = "\(provider)/\(name)"
        self.provider = provider
        self.name = name
        self.capabilities = capabilities
        self.sizeBytes = sizeBytes
        self.contextLength = contextLength
        self.modifiedAt = modifiedAt
        self.details = details
    }
}

public struct ProviderHealth: Sendable, Hashable {
    /// `healthy`, `unhealthy` or `circuit_open`.
    public var status: String
    public var detail: String?
    public var latencySeconds: Double?

    public init(status: String, detail: String? = nil, latencySeconds: Double? = nil) {
        self.status = status
        self.detail = detail
        self.latencySeconds = latencySeconds
    }

    public var isHealthy: Bool { status == "healthy" }

    /// The health a failed call shows, in the words every route uses: `circuit_open` when the
    /// provider's circuit breaker refused the call, `unhealthy` otherwise.
    public static func failing(_ error: any Error) -> ProviderHealth {
        let failure = error as? TaskFailure
        let circuitOpen = failure?.code == "provider_unavailable" && failure?.message.contains("circuit open") == true
        return ProviderHealth(status: circuitOpen ? "circuit_open" : "unhealthy", detail: ErrorText.describe(error))
    }
}

/// A source of completions: the built-in mock, OpenAI-compatible endpoints, Ollama.
/// Throw `TaskFailure` with `retryable` set for transient errors.
public protocol ModelProvider: Sendable {
    func complete(_ request: ModelRequest, context: ModelCallContext) async throws -> ModelResponse
    /// The models this provider serves (empty when it cannot say).
    func listModels() async throws -> [ModelInfo]
    func health() async -> ProviderHealth
}

extension ModelProvider {
    public func listModels() async throws -> [ModelInfo] { [] }
    public func health() async -> ProviderHealth { ProviderHealth(status: "healthy") }
}

/// Providers by name; an agent's `model` is `provider/name`.
public struct ProviderRegistry: Sendable {
    public private(set) var providers: [String: any ModelProvider]
    /// Used when a model has no `provider/` prefix; `nil` refuses such a model. Never `mock`
    /// unless an operator names it: the mock answers with its input, and a default that quietly
    /// picked it would show users fake answers.
    public var defaultProvider: String?

    public init(providers: [String: any ModelProvider] = ["mock": MockProvider()], defaultProvider: String? = nil) {
        self.providers = providers
        self.defaultProvider = defaultProvider
    }

    public mutating func register(_ name: String, _ provider: any ModelProvider) {
        providers[name] = provider
    }

    public var names: [String] { providers.keys.sorted() }

    /// Splits `provider/name` at the first slash (`ollama/library/llama3` keeps its path); a
    /// name without a slash goes to the default provider. A prefix that names no configured
    /// provider is an error, not a model name: `openai/gpt-4o` without an OpenAI key must not
    /// quietly reach another provider.
    public func resolve(_ model: String) throws -> (provider: any ModelProvider, model: String) {
        let (providerName, modelName) = split(model)
        guard let provider = providers[providerName] else {
            throw TaskFailure(code: "unknown_provider", message: problem(with: model) ?? "no model provider for '\(model)'", retryable: false)
        }
        return (provider, modelName)
    }

    /// `(provider name, model name)` for an agent's `model`, without checking the provider
    /// exists; an unprefixed model with no default provider has provider `""`, which never does.
    public func split(_ model: String) -> (provider: String, model: String) {
        if let slash = model.firstIndex(of: "/") {
            return (String(model[..<slash]), String(model[model.index(after: slash)...]))
        }
        return (defaultProvider ?? "", model)
    }

    /// Why `model` cannot be called, in words that say what to change; `nil` when it can.
    public func problem(with model: String) -> String? {
        let (providerName, modelName) = split(model)
        if providers[providerName] != nil { return modelName.isEmpty ? "'\(model)' names no model after the provider" : nil }
        guard model.contains("/") else {
            return "'\(model)' names no provider and no default provider is configured: write provider/model "
                + "(\(names.map { "\($0)/…" }.joined(separator: ", ")); mock/echo answers with the input, for tests), "
                + "or set OLLAMA_BASE_URL, OPENAI_API_KEY or HANGAR_DEFAULT_PROVIDER"
        }
        return "no model provider named '\(providerName)' is configured (configured: \(names.joined(separator: ", ")))"
    }

    /// Every provider's models, in provider order; a provider that fails is left out and
    /// named in `errors`.
    public func availableModels() async -> (models: [ModelInfo], errors: [String: String]) {
        var models: [ModelInfo] = []
        var errors: [String: String] = [:]
        for name in names {
            do {
                models += try await providers[name]!.listModels()
            } catch {
                let health = ProviderHealth.failing(error)
                errors[name] = "\(health.status): \(health.detail ?? "no detail")"
            }
        }
        return (models, errors)
    }
}
