import Foundation
import HangarAPIServer
import HangarAgents
import HangarCore
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime

/// The model catalogue, served through the generated `APIProtocol` (HangarAPIServer): the
/// document decides the paths, parameters and response shapes; this type only fills them.
/// Ollama's own routes are still `ModelController`'s.
struct ModelsAPI: APIProtocol {
    let models: ModelCatalog

    /// Registers the operations on the router, behind its middleware (auth, errors, request ids).
    func addRoutes(to router: Router<HangarRequestContext>) {
        // Compact JSON like every hand-written response (the generator's default is pretty-printed).
        let configuration = Configuration(jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes])
        // Only an invalid server URL throws, and the default one ("/") is valid.
        try! registerHandlers(on: router, configuration: configuration)
    }

    /// Every provider's models. A provider that cannot be reached is reported in `errors`
    /// instead of failing the listing.
    func modelsAvailable(_ input: Operations.ModelsAvailable.Input) async throws -> Operations.ModelsAvailable.Output {
        let (list, errors) = await models.providers.availableModels()
        let filtered = input.query.capability.map { capability in list.filter { $0.capabilities.contains(capability) } } ?? list
        return .ok(
            .init(
                body: .json(
                    .init(
                        models: try filtered.map(Components.Schemas.ModelInfo.init), count: filtered.count, providers: models.providers.names,
                        errors: .init(additionalProperties: errors)))))
    }

    /// Each provider's health, including an open circuit breaker.
    func modelProviders(_ input: Operations.ModelProviders.Input) async throws -> Operations.ModelProviders.Output {
        var result: [Components.Schemas.ProviderHealth] = []
        for name in models.providers.names {
            let provider = models.providers.providers[name]!
            result.append(Components.Schemas.ProviderHealth(name: name, health: await provider.health(), provider: provider))
        }
        return .ok(.init(body: .json(.init(providers: result))))
    }
}

extension Components.Schemas.ModelInfo {
    /// A capability the document does not list is left out: clients switch on the list.
    init(_ model: HangarAgents.ModelInfo) throws {
        self.init(
            id: model.id, provider: model.provider, name: model.name,
            capabilities: model.capabilities.compactMap(CapabilitiesPayloadPayload.init(rawValue:)), sizeBytes: model.sizeBytes.map(Int.init),
            contextLength: model.contextLength, modifiedAt: model.modifiedAt, details: try OpenAPIObjectContainer(model.details))
    }
}

extension Components.Schemas.ProviderHealth {
    init(name: String, health: HangarAgents.ProviderHealth, provider: any ModelProvider) {
        self.init(
            provider: name, status: StatusPayload(rawValue: health.status) ?? .unhealthy, healthy: health.isHealthy, baseUrl: baseURL(of: provider),
            detail: health.detail, latencySeconds: health.latencySeconds)
    }
}

extension OpenAPIObjectContainer {
    /// A free-form object as the generated types hold it; `nil` when the value is not an object.
    init?(_ value: JSONValue) throws {
        guard case .object = value else { return nil }
        self = try JSONDecoder().decode(OpenAPIObjectContainer.self, from: Data(JSONText.encode(value).utf8))
    }
}
