import Foundation
import HangarErrorText
import HangarAgents
import HangarCore
import HangarSSE
import Hummingbird
import NIOCore

/// The configured model providers: the catalogue (served by `ModelsAPI` through the generated
/// protocol), and Ollama's native model management (seed 004 "Ollama Integration").
struct ModelController {
    let models: ModelCatalog
    /// `HANGAR_CHAT_DEFAULT_MODEL`, which the seed's Ollama health reports as `default_model`.
    var defaultChatModel: String? = nil

    func addRoutes(to router: Router<HangarRequestContext>) {
        ModelsAPI(models: models).addRoutes(to: router)
        router.get("/api/v1/ollama/models", use: ollamaModels)
        router.get("/api/v1/ollama/models/names", use: ollamaNames)
        router.get("/api/v1/ollama/health", use: ollamaHealth)
        router.post("/api/v1/ollama/models/pull/{model_name}", use: ollamaPull)
        router.post("/api/v1/models/select", use: select)
        router.post("/api/v1/models/refresh", use: refresh)
    }

    /// Seed 004's model selection (`ModelSelection` says how it ranks). The seed's
    /// `min_performance_score` is accepted but cannot apply: Hangar keeps no scores, and says so.
    @Sendable func select(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let body = try await JSONBody.read(
            request, limit: 64 * 1024, accepting: ["task_type", "content_type", "priority", "max_tokens", "requirements"])
        var priority = ModelSelection.Priority.balanced
        if let name = try body.string("priority", maxLength: 32) {
            guard let value = ModelSelection.Priority(rawValue: name) else {
                throw APIError.invalid("priority", "must be one of \(ModelSelection.Priority.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            priority = value
        }
        var capabilities: Set<String> = []
        var minContext: Int?
        var notes: [JSONValue] = []
        if let value = try body.object("requirements"), case .object(let fields) = value {
            let requirements = JSONBody(fields: fields)
            try requirements.requireKnown(
                ["vision_capable", "tools", "function_calling", "embeddings", "min_context_length", "min_performance_score"], prefix: "requirements.")
            if try requirements.bool("vision_capable") == true { capabilities.insert("vision") }
            if try requirements.bool("tools") == true || requirements.bool("function_calling") == true { capabilities.insert("tools") }
            if try requirements.bool("embeddings") == true { capabilities.insert("embeddings") }
            minContext = try requirements.int("min_context_length", in: 1...10_000_000, prefix: "requirements.")
            if try requirements.double("min_performance_score", in: 0...1, prefix: "requirements.") != nil {
                notes.append("min_performance_score is not applied: Hangar keeps no performance scores")
            }
        }
        let selection = ModelSelection.Request(
            taskType: try body.string("task_type", maxLength: 128), contentType: try body.string("content_type", maxLength: 128), priority: priority,
            maxTokens: try body.int("max_tokens", in: 1...10_000_000), capabilities: capabilities, minContextLength: minContext)
        let (listed, errors) = await models.providers.availableModels()
        let catalog = models
        switch ModelSelection.choose(selection, from: listed, isPriced: catalog.isPriced, cost: { catalog.cost(model: $0, promptTokens: 1_000_000, completionTokens: 1_000_000) }) {
        case .failure(let none):
            throw APIError(.unprocessableContent, none.detail + (errors.isEmpty ? "" : " (providers not reached: \(errors.keys.sorted().joined(separator: ", ")))"))
        case .success(let chosen):
            func info(_ model: ModelInfo) -> JSONValue {
                [
                    "name": .string(model.id), "capabilities": .array(model.capabilities.map(JSONValue.string)), "performance_score": .null,
                    "average_response_time_ms": .null, "context_length": model.contextLength.map { .int(Int64($0)) } ?? .null,
                    "size_bytes": model.sizeBytes.map { .int($0) } ?? .null,
                    "supported_formats": model.capabilities.contains("vision") ? ["jpeg", "png", "webp"] : [],
                ]
            }
            return JSONResponse.make([
                "selected_model": .string(chosen.selected.id), "model_info": info(chosen.selected),
                "fallback_models": .array(chosen.fallbacks.map { .string($0.id) }), "selection_reason": .string(chosen.reason),
                "notes": .array(notes), "errors": .object(errors.mapValues(JSONValue.string)),
            ])
        }
    }

    /// Seed 004's registry refresh. Hangar keeps no copy of the providers' lists (every listing
    /// asks them), so this lists them now and says what each answered.
    @Sendable func refresh(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let (listed, errors) = await models.providers.availableModels()
        return JSONResponse.make([
            "refreshed": true, "count": .int(Int64(listed.count)), "models": .array(listed.map { .string($0.id) }),
            "providers": .array(models.providers.names.map(JSONValue.string)), "errors": .object(errors.mapValues(JSONValue.string)),
        ])
    }

    @Sendable func ollamaModels(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let ollama = try self.ollama()
        let list = try await call { try await ollama.listModels() }
        // Seed 004's client reads Ollama's own `size` and `digest`; Hangar's fields stay beside them.
        let models: [JSONValue] = list.map { model in
            guard case .object(var fields) = Self.json(model) else { return Self.json(model) }
            fields["size"] = model.sizeBytes.map { .int($0) } ?? .null
            fields["digest"] = model.details["digest"] ?? .null
            return .object(fields)
        }
        return JSONResponse.make(["models": .array(models), "count": .int(Int64(list.count))])
    }

    @Sendable func ollamaNames(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let ollama = try self.ollama()
        let names = try await call { try await ollama.modelNames() }
        return JSONResponse.make(["models": .array(names.map(JSONValue.string))])
    }

    /// Always 200, as seed 004 answers (`status` says whether Ollama answers), with the seed's
    /// `models_available` and `default_model` beside Hangar's fields.
    @Sendable func ollamaHealth(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let ollama = try self.ollama()
        let health = await ollama.health()
        guard case .object(var fields) = Self.json(name: "ollama", health: health, provider: ollama) else { throw APIError(.internalServerError, "health") }
        let models = health.isHealthy ? (try? await ollama.modelNames().count) ?? 0 : 0
        fields["models_available"] = .int(Int64(models))
        fields["default_model"] = defaultOllamaModel.map(JSONValue.string) ?? .null
        return JSONResponse.make(.object(fields))
    }

    /// The default chat model's name when Ollama serves it.
    var defaultOllamaModel: String? {
        guard let model = defaultChatModel else { return nil }
        let (provider, name) = models.providers.split(model)
        return provider == "ollama" ? name : nil
    }

    /// Waits for the pull and answers once in JSON (seed 004's default), or with `?stream=true`
    /// (or `Accept: text/event-stream`) streams Ollama's progress as server-sent events
    /// (`progress` with `status`, `digest`, `total`, `completed`, `percent`; then `complete` or
    /// `error`).
    @Sendable func ollamaPull(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let ollama = try self.ollama()
        let name = try context.parameters.decoded("model_name")
        guard name.range(of: #"^[A-Za-z0-9][A-Za-z0-9._/:-]{0,199}$"#, options: .regularExpression) != nil else {
            throw APIError(.unprocessableContent, "model_name: must be an Ollama model name such as llama3.2 or library/qwen2.5:7b")
        }
        let streams = request.uri.queryParameters.get("stream").map { $0 == "true" }
            ?? (request.headers[.accept]?.contains("text/event-stream") == true)
        if !streams {
            let last = LastValue()
            try await call { try await ollama.pull(model: name) { await last.set($0) } }
            return JSONResponse.make(["model": .string(name), "status": .string(await last.value?["status"]?.stringValue ?? "success")])
        }
        let body = ResponseBody { writer in
            let (progress, continuation) = AsyncThrowingStream<JSONValue, any Error>.makeStream()
            let pull = Task {
                do {
                    try await ollama.pull(model: name) { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            var sequence = 0
            do {
                for try await line in progress {
                    sequence += 1
                    var data = line.objectValue ?? [:]
                    data["model"] = .string(name)
                    if let total = line["total"]?.doubleValue, total > 0, let completed = line["completed"]?.doubleValue {
                        data["percent"] = .double((completed / total * 1000).rounded() / 10)
                    }
                    try await writer.write(ServerSentEvent("progress", json: .object(data), id: Int64(sequence)))
                }
                try await writer.write(ServerSentEvent("complete", json: ["model": .string(name), "status": "success"]))
            } catch {
                pull.cancel()
                let detail = ErrorText.describe(error)
                try await writer.write(ServerSentEvent("error", json: ["detail": .string(detail), "status_code": 502]))
            }
            try await writer.finish(nil)
        }
        return .eventStream(body)
    }

    private func ollama() throws -> OllamaProvider {
        guard let provider = models.providers.providers["ollama"] as? OllamaProvider else {
            throw APIError(.notFound, "no Ollama provider is configured (OLLAMA_BASE_URL)")
        }
        return provider
    }

    /// Provider failures are the upstream's fault: 502 naming it, or 503 when its circuit is open.
    private func call<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let failure as TaskFailure {
            throw APIError(failure.code == "provider_unavailable" ? .serviceUnavailable : .badGateway, failure.message)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(.badGateway, "model provider error: \(ErrorText.describe(error))")
        }
    }

    static func json(_ model: ModelInfo) -> JSONValue {
        [
            "id": .string(model.id), "provider": .string(model.provider), "name": .string(model.name),
            "capabilities": .array(model.capabilities.map(JSONValue.string)), "size_bytes": model.sizeBytes.map { .int($0) } ?? .null,
            "context_length": model.contextLength.map { .int(Int64($0)) } ?? .null, "modified_at": model.modifiedAt.map(JSONValue.string) ?? .null,
            "details": model.details,
        ]
    }

    static func json(name: String, health: ProviderHealth, provider: any ModelProvider) -> JSONValue {
        [
            "provider": .string(name), "status": .string(health.status), "healthy": .bool(health.isHealthy),
            "base_url": baseURL(of: provider).map(JSONValue.string) ?? .null,
            "detail": health.detail.map(JSONValue.string) ?? .null, "latency_seconds": health.latencySeconds.map { .double($0) } ?? .null,
        ]
    }
}

/// Where a provider sends its requests, for the health answers (`nil` for in-process providers).
func baseURL(of provider: any ModelProvider) -> String? {
    if let openai = provider as? OpenAICompatibleProvider { return openai.endpoint.baseURL }
    if let ollama = provider as? OllamaProvider { return ollama.endpoint.baseURL }
    return nil
}

private actor LastValue {
    var value: JSONValue?
    func set(_ value: JSONValue) { self.value = value }
}
