/// The configured model providers and their prices: what the LLM executor, chat sessions and
/// the model routes (`/api/v1/models/available`, `/api/v1/ollama/…`) share.
public struct ModelCatalog: Sendable {
    public var providers: ProviderRegistry
    public var prices: PriceTable

    public init(providers: ProviderRegistry = ProviderRegistry(), prices: PriceTable = PriceTable()) {
        self.providers = providers
        self.prices = prices
    }

    /// USD for one call of `model` (`provider/name`, or a bare name on the default provider).
    public func cost(model: String, promptTokens: Int, completionTokens: Int) -> Double {
        prices.cost(model: qualified(model), promptTokens: promptTokens, completionTokens: completionTokens)
    }

    /// Whether calls of `model` have a price (possibly zero); unpriced calls cost nothing, so
    /// a budget on such a model would never apply.
    public func isPriced(_ model: String) -> Bool {
        prices.price(for: qualified(model)) != nil
    }

    /// `provider/name`, the form prices are keyed by.
    func qualified(_ model: String) -> String {
        let (provider, name) = providers.split(model)
        return "\(provider)/\(name)"
    }
}
