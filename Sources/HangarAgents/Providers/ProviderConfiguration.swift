public import AsyncHTTPClient
import HangarErrorText
import Foundation
import HangarCore
public import Logging
import NIOCore

/// Builds the model catalog from the `providers` area (`ProviderConfiguration+Settings`):
///
/// - `openai.api_key` (and optionally `openai.base_url`) → provider `openai`.
/// - `ollama.base_url` (default `http://localhost:11434`) → provider `ollama` on Ollama's
///   native API; always configured, since it needs no key.
/// - `endpoints` (`HANGAR_PROVIDERS`): a JSON array of further endpoints, e.g. vLLM, llama.cpp, LiteLLM or
///   Azure: `[{"name": "vllm", "type": "openai", "base_url": "http://gpu:8000/v1",
///   "api_key_env": "VLLM_KEY", "api_key_secret": "VLLM_KEY", "auth_header": "api-key",
///   "query": {"api-version": "2024-10-21"}, "headers": {…}, "timeout_seconds": 300,
///   "max_retries": 3}]`. An entry may replace `openai` or `ollama`.
/// - `default` (`HANGAR_DEFAULT_PROVIDER`): for models named without a `provider/` prefix
///   (default: `ollama` when its address is set, else `openai` when its key is; else such a
///   model is refused — the mock only ever answers when named).
/// - `prices` (`HANGAR_MODEL_PRICES`): see `PriceTable`.
///
/// `environment` is read only for the variables an endpoint names itself (`api_key_env`).
public enum ProviderConfiguration {
    /// The HTTP client providers and tools use. A refused connection fails at once instead of
    /// being retried inside AsyncHTTPClient until the request's deadline (its default): the
    /// provider layer retries with its own backoff and counts the failure for the circuit
    /// breaker. Tools get one that follows no redirects (`http_request` follows them itself,
    /// checking each target). Keep it for the life of the process.
    public static func makeHTTPClient(followRedirects: Bool = true) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        configuration.redirectConfiguration = followRedirects ? .follow(max: 5, allowCycles: false) : .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public static func catalog(_ values: Values, environment: [String: String], client: HTTPClient, logger: Logger) throws -> ModelCatalog {
        var registry = ProviderRegistry()
        for endpoint in try endpoints(values, environment: environment) {
            switch endpoint.kind {
            case .openai: registry.register(endpoint.name, OpenAICompatibleProvider(endpoint: endpoint, client: client, logger: logger))
            case .ollama: registry.register(endpoint.name, OllamaProvider(endpoint: endpoint, client: client, logger: logger))
            }
        }
        // An unprefixed model goes where the operator pointed: the named default, else the
        // provider whose address was given (Ollama's, then OpenAI's); never the mock by itself.
        if values.ollamaBaseURL != nil {
            registry.defaultProvider = "ollama"
        } else if values.openAIKey != nil {
            registry.defaultProvider = "openai"
        }
        if let name = values.defaultProvider {
            guard registry.providers[name] != nil else {
                throw HangarError.invalid(field: "HANGAR_DEFAULT_PROVIDER", message: "names no configured provider ('\(name)'; configured: \(registry.names.joined(separator: ", ")))")
            }
            registry.defaultProvider = name
        }
        let prices = try values.prices.map(PriceTable.parse) ?? PriceTable()
        return ModelCatalog(providers: registry, prices: prices)
    }

    public static func endpoints(_ values: Values, environment: [String: String]) throws -> [ProviderEndpoint] {
        var endpoints: [String: ProviderEndpoint] = [:]
        // `OLLAMA_HOST` is often a bare `host:port`.
        let ollama = values.ollamaBaseURL.map { $0.hasPrefix("http") ? $0 : "http://\($0)" } ?? "http://localhost:11434"
        endpoints["ollama"] = ProviderEndpoint(name: "ollama", kind: .ollama, baseURL: ollama)
        if let key = values.openAIKey {
            endpoints["openai"] = ProviderEndpoint(name: "openai", kind: .openai, baseURL: values.openAIBaseURL ?? "https://api.openai.com/v1", apiKey: key)
        }
        if let text = values.endpoints {
            let json: JSONValue
            do {
                json = try JSONText.decode(text)
            } catch {
                throw HangarError.invalid(
                    field: "HANGAR_PROVIDERS",
                    message: "is not JSON (\(ErrorText.describe(error))); it is a JSON array such as [{\"name\": \"vllm\", \"type\": \"openai\", \"base_url\": \"http://gpu:8000/v1\"}]")
            }
            guard case .array(let entries) = json else {
                throw HangarError.invalid(field: "HANGAR_PROVIDERS", message: "must be a JSON array of provider objects")
            }
            for (index, entry) in entries.enumerated() {
                let field = "HANGAR_PROVIDERS[\(index)]"
                guard let name = entry["name"]?.stringValue, name.range(of: "^[a-z0-9][a-z0-9_-]*$", options: .regularExpression) != nil else {
                    throw HangarError.invalid(field: "\(field).name", message: "is required: lower-case letters, digits, '-' and '_'")
                }
                guard name != "mock" else { throw HangarError.invalid(field: "\(field).name", message: "'mock' is built in") }
                let type = entry["type"]?.stringValue ?? "openai"
                guard let kind = ProviderEndpoint.Kind(rawValue: type) else {
                    throw HangarError.invalid(field: "\(field).type", message: "must be openai or ollama")
                }
                guard let baseURL = entry["base_url"]?.stringValue, let url = URL(string: baseURL), url.scheme == "http" || url.scheme == "https" else {
                    throw HangarError.invalid(field: "\(field).base_url", message: "must be an http(s) URL")
                }
                var apiKey = entry["api_key"]?.stringValue
                if let variable = entry["api_key_env"]?.stringValue { apiKey = environment[variable] }
                var retry = ProviderRetryPolicy()
                if let retries = entry["max_retries"]?.intValue {
                    guard (0...10).contains(retries) else { throw HangarError.invalid(field: "\(field).max_retries", message: "must be 0 to 10") }
                    retry.maxRetries = retries
                }
                var timeout = Duration.seconds(300)
                if let seconds = entry["timeout_seconds"]?.doubleValue {
                    guard seconds > 0 else { throw HangarError.invalid(field: "\(field).timeout_seconds", message: "must be positive") }
                    timeout = .seconds(fractional: seconds)
                }
                endpoints[name] = ProviderEndpoint(
                    name: name, kind: kind, baseURL: baseURL, apiKey: apiKey, apiKeySecret: entry["api_key_secret"]?.stringValue,
                    authHeader: entry["auth_header"]?.stringValue ?? "Authorization",
                    query: (entry["query"]?.objectValue ?? [:]).compactMapValues(\.stringValue),
                    headers: (entry["headers"]?.objectValue ?? [:]).compactMapValues(\.stringValue), requestTimeout: timeout, retry: retry)
            }
        }
        return endpoints.values.sorted { $0.name < $1.name }
    }
}
