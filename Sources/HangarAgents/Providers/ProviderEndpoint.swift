import Foundation

/// A configured model server: which wire protocol it speaks, where, and with which key.
public struct ProviderEndpoint: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// `POST {base}/chat/completions`: OpenAI, Azure OpenAI, Ollama's `/v1`, vLLM,
        /// llama.cpp server, LiteLLM, …
        case openai
        /// Ollama's native API (`/api/chat`, `/api/tags`, `/api/pull`), which also reports
        /// load and evaluation timings.
        case ollama
    }

    /// The prefix of agents' `model` (`openai` in `openai/gpt-4o-mini`).
    public var name: String
    public var kind: Kind
    /// `https://api.openai.com/v1`; for Ollama the server root, `http://localhost:11434`.
    public var baseURL: String
    public var apiKey: String?
    /// An agent secret consulted first, so each agent may bring its own key.
    public var apiKeySecret: String?
    /// `Authorization` sends `Bearer <key>`; any other name (Azure's `api-key`) sends the key as is.
    public var authHeader: String
    /// Added to every request URL (Azure's `api-version`).
    public var query: [String: String]
    public var headers: [String: String]
    public var requestTimeout: Duration
    public var retry: ProviderRetryPolicy
    /// Consecutive transient failures that open the circuit, and how long it stays open.
    public var breakerThreshold: Int
    public var breakerCooldown: Duration

    public init(
        name: String, kind: Kind, baseURL: String, apiKey: String? = nil, apiKeySecret: String? = nil, authHeader: String = "Authorization",
        query: [String: String] = [:], headers: [String: String] = [:], requestTimeout: Duration = .seconds(300),
        retry: ProviderRetryPolicy = ProviderRetryPolicy(), breakerThreshold: Int = 5, breakerCooldown: Duration = .seconds(30)
    ) {
        self.name = name
        self.kind = kind
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.apiKeySecret = apiKeySecret
        self.authHeader = authHeader
        self.query = query
        self.headers = headers
        self.requestTimeout = requestTimeout
        self.retry = retry
        self.breakerThreshold = breakerThreshold
        self.breakerCooldown = breakerCooldown
    }

    /// `{base}{path}` plus the configured query.
    func url(_ path: String) -> String {
        guard !query.isEmpty else { return baseURL + path }
        let items = query.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.addingPercentEncodingForQuery)" }
        return baseURL + path + (path.contains("?") ? "&" : "?") + items.joined(separator: "&")
    }
}

extension String {
    var addingPercentEncodingForQuery: String {
        var allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
        allowed.insert(UInt8(ascii: "-"))
        return utf8.map { allowed.contains($0) ? String(UnicodeScalar($0)) : String(format: "%%%02X", $0) }.joined()
    }
}
