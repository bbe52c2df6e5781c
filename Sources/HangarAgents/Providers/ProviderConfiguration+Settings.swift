public import Configuration
public import HangarSettings

extension ProviderConfiguration {
    enum Keys {
        static let openAIKey = Setting(
            "openai.api_key", environment: "OPENAI_API_KEY", value: "key", default: "unset", secret: true,
            help: "Configures the `openai` provider.")
        static let openAIBaseURL = Setting(
            "openai.base_url", environment: "OPENAI_BASE_URL", value: "http(s) URL", default: "https://api.openai.com/v1",
            help: "Where the `openai` provider sends requests.")
        static let ollamaBaseURL = Setting(
            "ollama.base_url", environment: "OLLAMA_BASE_URL", aliases: ["OLLAMA_HOST"], value: "URL or host:port", default: "http://localhost:11434",
            help: "The `ollama` provider, on Ollama's native API (always configured: it needs no key).")
        static let endpoints = Setting(
            "endpoints", environment: "HANGAR_PROVIDERS", value: "JSON array (a string in a config file)", default: "none",
            help: "More OpenAI-compatible or Ollama endpoints (vLLM, llama.cpp, LiteLLM, Azure); an entry may replace `openai` or `ollama` ([llm](llm.md)).")
        static let defaultProvider = Setting(
            "default", environment: "HANGAR_DEFAULT_PROVIDER", value: "provider name",
            default: "`ollama` when `ollama.base_url` is set, else `openai` when its key is, else none",
            help: "Provider of a model named without `provider/`; with none, such a model is refused (the mock answers only when named).")
        static let prices = Setting(
            "prices", environment: "HANGAR_MODEL_PRICES", value: "JSON object (a string in a config file)", default: "list prices",
            help: "USD per million tokens by model, over the built-in list prices.")
    }

    /// The `providers` area.
    public static let settings = SettingsArea(
        "providers", summary: "Model providers for `llm` agents, browser agents and chat, and what their tokens cost.",
        settings: [Keys.openAIKey, Keys.openAIBaseURL, Keys.ollamaBaseURL, Keys.endpoints, Keys.defaultProvider, Keys.prices])

    /// What the `providers` area says, read before anything starts.
    public struct Values: Sendable {
        public var openAIKey: String?
        public var openAIBaseURL: String?
        public var ollamaBaseURL: String?
        public var endpoints: String?
        public var defaultProvider: String?
        public var prices: String?

        public init(config: ConfigReader) throws {
            openAIKey = try config.text(Keys.openAIKey)
            openAIBaseURL = try config.text(Keys.openAIBaseURL)
            ollamaBaseURL = try config.text(Keys.ollamaBaseURL)
            endpoints = try config.text(Keys.endpoints)
            defaultProvider = try config.text(Keys.defaultProvider)
            prices = try config.text(Keys.prices)
        }
    }
}
