import HangarCore
import HangarErrorText

/// What a model costs, per million tokens, in USD.
public struct ModelPrice: Sendable, Hashable {
    public var promptPerMillion: Double
    public var completionPerMillion: Double

    public init(promptPerMillion: Double, completionPerMillion: Double) {
        self.promptPerMillion = promptPerMillion
        self.completionPerMillion = completionPerMillion
    }
}

/// Prices by model. Keys are `provider/name` (exact), `provider/prefix*` (longest prefix
/// wins) or `provider/*`; a model with no entry costs nothing (local models). Configured
/// with `HANGAR_MODEL_PRICES` (a JSON object of `{"prompt": …, "completion": …}` per key,
/// USD per million tokens) on top of the defaults below.
public struct PriceTable: Sendable, Hashable {
    public var prices: [String: ModelPrice]

    public init(prices: [String: ModelPrice] = PriceTable.defaults) {
        self.prices = prices
    }

    /// List prices of common hosted models (per million tokens, USD, as published late 2026);
    /// override any of them in configuration.
    public static let defaults: [String: ModelPrice] = [
        "openai/gpt-4o-mini*": ModelPrice(promptPerMillion: 0.15, completionPerMillion: 0.60),
        "openai/gpt-4o*": ModelPrice(promptPerMillion: 2.50, completionPerMillion: 10.00),
        "openai/gpt-4.1-mini*": ModelPrice(promptPerMillion: 0.40, completionPerMillion: 1.60),
        "openai/gpt-4.1*": ModelPrice(promptPerMillion: 2.00, completionPerMillion: 8.00),
        "ollama/*": ModelPrice(promptPerMillion: 0, completionPerMillion: 0),
        "mock/*": ModelPrice(promptPerMillion: 0, completionPerMillion: 0),
    ]

    public func price(for model: String) -> ModelPrice? {
        if let exact = prices[model] { return exact }
        var best: (length: Int, price: ModelPrice)?
        for (key, price) in prices where key.hasSuffix("*") {
            let prefix = key.dropLast()
            if model.hasPrefix(prefix), prefix.count > (best?.length ?? -1) { best = (prefix.count, price) }
        }
        return best?.price
    }

    public func cost(model: String, promptTokens: Int, completionTokens: Int) -> Double {
        guard let price = price(for: model) else { return 0 }
        return (Double(promptTokens) * price.promptPerMillion + Double(completionTokens) * price.completionPerMillion) / 1_000_000
    }

    /// The defaults with `json` (the `HANGAR_MODEL_PRICES` format) laid over them.
    public static func parse(_ json: String) throws -> PriceTable {
        let decoded: JSONValue
        do {
            decoded = try JSONText.decode(json)
        } catch {
            throw HangarError.invalid(field: "HANGAR_MODEL_PRICES", message: "is not JSON (\(ErrorText.describe(error))); it is an object such as {\"vllm/*\": {\"prompt\": 0.05, \"completion\": 0.05}}")
        }
        guard case .object(let entries) = decoded else {
            throw HangarError.invalid(field: "HANGAR_MODEL_PRICES", message: "must be a JSON object keyed by model")
        }
        var table = PriceTable()
        for (model, entry) in entries {
            guard let prompt = entry["prompt"]?.doubleValue, let completion = entry["completion"]?.doubleValue, prompt >= 0,
                completion >= 0
            else {
                throw HangarError.invalid(
                    field: "HANGAR_MODEL_PRICES.\(model)", message: "needs non-negative 'prompt' and 'completion' (USD per million tokens)")
            }
            table.prices[model] = ModelPrice(promptPerMillion: prompt, completionPerMillion: completion)
        }
        return table
    }
}
