/// The configured model providers and their prices: what the LLM executor, chat sessions and
/// the model routes (`/api/v1/models/available`, `/api/v1/ollama/…`) share.
public struct ModelCatalog: Sendable {
    public var providers: ProviderRegistry
    public var prices: PriceTable

    public init(providers: ProviderRegistry = ProviderRegistry(), prices: PriceTable = PriceTable()) {
        self.providers = providers
        self.prices = prices
    }

    /// USD for one call of `model` (`provider/name`).
    public func cost(model: String, promptTokens: Int, completionTokens: Int) -> Double {
        prices.cost(model: model, promptTokens: promptTokens, completionTokens: completionTokens)
    }
}
