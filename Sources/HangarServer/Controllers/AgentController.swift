import Foundation
import HangarAuth
import HangarAgents
import HangarBots
import HangarCore
import HangarRuntime
import HangarStore
import HTTPTypes
import Hummingbird

/// `/api/v1/agents`: register, list, read, update and delete agents. An agent is addressed
/// by id or by its unique name.
struct AgentController {
    let store: any AgentStore & SecretStore & QuotaStore & AuditStore
    let registry: ExecutorRegistry
    let configuration: ServerConfiguration
    let vault: SecretBox
    let models: ModelCatalog
    let metrics: HangarMetrics
    /// A bot agent's deployment, shown by `get` and disconnected by `delete`.
    let bots: BotDeployments

    func addRoutes(to router: Router<HangarRequestContext>) {
        router.post("/api/v1/agents", use: create)
        router.post("/api/v1/agents/create", use: create)
        router.get("/api/v1/agents", use: list)
        router.get("/api/v1/agents/{agent_id}", use: get)
        router.put("/api/v1/agents/{agent_id}", use: update)
        router.delete("/api/v1/agents/{agent_id}", use: delete)
        // Seed 003's paths for its bots (any agent answers them).
        router.get("/agents/{agent_id}", use: get)
        router.delete("/agents/{agent_id}", use: delete)
    }

    /// An agent's fields, with seed 004's spellings (`agent_type`, `model_name`). `secrets` only
    /// on create.
    static let fields: Set<String> = [
        "name", "description", "kind", "agent_type", "model", "model_name", "config", "resources", "max_concurrency", "budget_limit", "is_active",
        "secrets",
        // Seed 002's registration fields, kept in an external agent's config (see `seed002Config`).
        "type", "docker_image", "resource_requirements",
    ]

    @Sendable func create(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, accepting: Self.fields)
        guard let name = try body.string("name", maxLength: 128)?.trimmingCharacters(in: .whitespaces), !name.isEmpty else {
            throw APIError.invalid("name", "is required (1-128 characters)")
        }
        // Seed 004: an agent may be created with its secrets. Check their shape before anything is stored.
        var secrets: [[String: JSONValue]] = []
        if let value = body.fields["secrets"], value != .null {
            guard case .array(let items) = value, items.count <= 100 else { throw APIError.invalid("secrets", "must be an array of at most 100 {key, value, description}") }
            for (index, item) in items.enumerated() {
                guard case .object(let fields) = item, fields["key"]?.stringValue != nil || fields["secret_key"]?.stringValue != nil,
                    fields["value"]?.stringValue != nil || fields["secret_value"]?.stringValue != nil
                else { throw APIError.invalid("secrets[\(index)]", "must be an object with string key and value") }
                secrets.append(fields)
            }
        }
        // Seed 002 registers a container image without naming a kind: that is an external agent.
        let kind = try parseKind(body) ?? (body.has("docker_image") ? "external" : "llm")
        guard registry.kinds.contains(kind) || kind == "llm" else {
            throw APIError.invalid("docker_image", "names an external agent's image, and this server does not run external agents")
        }
        let config = try Self.seed002Config(body, into: try body.object("config") ?? .emptyObject, kind: kind)
        try checkDefinition(config)
        try await Self.validate(config, kind: kind, registry: registry, body: body)
        let model = try parseModel(body)
        let budget = try parseBudget(body)
        try checkBudgetApplies(budget, model: model)
        let params = AgentInsertParams(
            tenantID: context.tenantID, name: name, description: try body.string("description", maxLength: 4000), kind: kind,
            model: model,
            config: config, resources: try parseResources(body) ?? .zero,
            maxConcurrency: try body.int("max_concurrency", in: 1...100_000), budgetLimit: budget,
            isActive: try body.bool("is_active") ?? true)
        // Checked after the other fields, so a body with several mistakes names the first of them.
        if kind == "llm", model == nil {
            throw APIError.invalid(
                "model", "is required for an llm agent: provider/model, such as ollama/llama3.2 or openai/gpt-4o-mini (mock/echo answers with the input, for tests)")
        }
        try await QuotaController.checkAgentCreation(store, tenantID: context.tenantID)
        if try await store.agentGet(tenantID: context.tenantID, idOrName: name) != nil {
            throw APIError(.conflict, "an agent named '\(name)' exists already", field: "name")
        }
        // Seed 004 limits agents *created*: the token is taken only once every check passed,
        // so a refused attempt (4xx) does not use one.
        var rateHeaders: HTTPFields = [:]
        if let limit = configuration.rateLimits.agentCreationsPerHour {
            rateHeaders = try await RateLimits.take(store, bucket: "agent_create", perHour: limit, context: context, setting: "HANGAR_RATE_AGENT_CREATIONS")
        }
        let agent = try await store.agentInsert(params)
        await AuditLog.record(store, context, action: "agent.create", resourceType: "agent", resourceID: agent.id, details: ["name": .string(agent.name)])
        for (index, fields) in secrets.enumerated() {
            let secret = try await SecretsController.store(fields, agent: agent, vault: vault, store: store, field: "secrets[\(index)].")
            await AuditLog.record(store, context, action: "secret.create", resourceType: "secret", resourceID: secret.id, details: ["agent_id": .string(agent.id), "secret_key": .string(secret.key)])
        }
        return JSONResponse.make(AgentRepresentation.json(agent), status: .created, headers: rateHeaders)
    }

    @Sendable func list(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let query = Query(request)
        let agents = try await store.agentList(
            AgentListParams(
                tenantID: context.tenantID, kind: query.string("kind") ?? query.string("agent_type"),
                activeOnly: try query.bool("active_only", default: false), limit: try query.int("limit", in: 1...1000, default: 100),
                offset: try query.int("offset", in: 0...10_000_000, default: 0)))
        return JSONResponse.make(.array(agents.map(AgentRepresentation.json)))
    }

    @Sendable func get(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let agent = try await agent(context)
        var json = BotDeployments.json(agent, try await bots.deployment(of: agent))
        // An external service's health, probed now (the executor bounds the wait).
        if let status = await registry.executor(for: agent.kind)?.runtimeStatus(of: agent), case .object(var fields) = json {
            fields["runtime_status"] = status
            json = .object(fields)
        }
        return JSONResponse.make(json)
    }

    /// The kind's check of `config`; a refusal of a value the client sent at the top level
    /// (seed 002's `docker_image`, `type`, `resource_requirements`) names that field.
    static func validate(_ config: JSONValue, kind: String, registry: ExecutorRegistry, body: JSONBody) async throws {
        do {
            try await registry.executor(for: kind)?.validate(agentConfig: config)
        } catch HangarError.invalid(let field, let message) {
            let topLevel = ["config.image": "docker_image", "config.type": "type", "config.resource_requirements": "resource_requirements"][field]
            if let topLevel, body.has(topLevel) { throw HangarError.invalid(field: topLevel, message: message) }
            throw HangarError.invalid(field: field, message: message)
        }
    }

    static let seed002Fields = ["type", "docker_image", "resource_requirements"]

    /// Seed 002's top-level `type`, `docker_image` and `resource_requirements`, moved into the
    /// external agent's config (`type`, `image`, `resource_requirements`) so nothing the client
    /// sent is dropped; the representation shows them at the top level again.
    /// `replacing`: the config is the stored one, whose values the body's replace.
    static func seed002Config(_ body: JSONBody, into config: JSONValue, kind: String, replacing: Bool = false) throws -> JSONValue {
        let given = seed002Fields.filter { body.has($0) }
        guard !given.isEmpty else { return config }
        guard kind == "external" else { throw APIError.invalid(given[0], "belongs to an external agent (kind external)") }
        guard case .object(var fields) = config else { return config }
        for key in given {
            let target = key == "docker_image" ? "image" : key
            let value = body.fields[key] ?? .null
            if !replacing, let existing = fields[target], existing != .null, existing != value {
                throw APIError.invalid(key, "differs from config.\(target); give one of them")
            }
            fields[target] = value
        }
        return .object(fields)
    }

    @Sendable func update(_ request: Request, context: HangarRequestContext) async throws -> Response {
        var agent = try await agent(context)
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, accepting: Self.fields)
        if body.has("secrets") {
            throw APIError.invalid("secrets", "change secrets through /api/v1/agents/{agent_id}/secrets")
        }
        if body.has("name") {
            guard let name = try body.string("name", maxLength: 128)?.trimmingCharacters(in: .whitespaces), !name.isEmpty else {
                throw APIError.invalid("name", "must be 1-128 characters")
            }
            agent.name = name
        }
        if body.has("description") { agent.description = try body.string("description", maxLength: 4000) }
        if let kind = try parseKind(body) { agent.kind = kind }
        if let model = try parseModel(body) { agent.model = model }
        if body.has("config") || Self.seed002Fields.contains(where: body.has) {
            let config = body.has("config") ? try body.object("config") ?? .emptyObject : agent.config
            agent.config = try Self.seed002Config(body, into: config, kind: agent.kind, replacing: !body.has("config"))
            try checkDefinition(agent.config, agentID: agent.id)
            try await Self.validate(agent.config, kind: agent.kind, registry: registry, body: body)
        }
        if body.has("resources") { agent.resources = try parseResources(body) ?? .zero }
        if body.has("max_concurrency") { agent.maxConcurrency = try body.int("max_concurrency", in: 1...100_000) }
        if body.has("budget_limit") { agent.budgetLimit = try parseBudget(body) }
        if body.has("budget_limit") || body.has("model") || body.has("model_name") { try checkBudgetApplies(agent.budgetLimit, model: agent.model) }
        if let active = try body.bool("is_active") { agent.isActive = active }
        let updated = try await store.agentUpdate(AgentUpdateParams(agent: agent))
        await AuditLog.record(store, context, action: "agent.update", resourceType: "agent", resourceID: agent.id, details: ["version": .int(Int64(updated.version))])
        return JSONResponse.make(AgentRepresentation.json(updated))
    }

    @Sendable func delete(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let agent = try await agent(context)
        // A bot leaves its platform first (`deleteWebhook`), while its token is still there.
        let bot = try await bots.teardown(agent)
        try await store.agentDelete(tenantID: context.tenantID, id: agent.id)
        // Seed 004: secrets are cleaned up with their agent.
        for secret in try await store.secretList(tenantID: context.tenantID, agentID: agent.id) {
            _ = try await store.secretDeactivate(tenantID: context.tenantID, id: secret.id)
        }
        await AuditLog.record(store, context, action: "agent.delete", resourceType: "agent", resourceID: agent.id)
        // Its task counts would otherwise stay in every scrape for the life of the process.
        metrics.agentDeleted(agent.id)
        var answer: [String: JSONValue] = ["id": .string(agent.id), "deleted": true]
        if let bot { answer["deployment"] = bot }
        return JSONResponse.make(.object(answer))
    }

    private func agent(_ context: HangarRequestContext) async throws -> Agent {
        let reference = try context.parameters.decoded("agent_id")
        guard let agent = try await store.agentGet(tenantID: context.tenantID, idOrName: reference) else {
            throw APIError.notFound("agent", reference)
        }
        return agent
    }

    /// Refuses a definition beyond the security level's limits (422 naming the field), and
    /// records it: a blocked tool type as a permission incident, the rest as schema violations.
    private func checkDefinition(_ config: JSONValue, agentID: String? = nil) throws {
        guard let violation = configuration.security.violations(inAgentConfig: config).first else { return }
        throw APIError.invalid(violation.field, violation.message)
            .recording(violation.kind, violation.kind == .permissionDenied ? .high : .low, agentID: agentID)
    }

    private func parseKind(_ body: JSONBody) throws -> String? {
        let field = body.has("kind") ? "kind" : "agent_type"
        guard let kind = try body.string(field, maxLength: 64) else { return nil }
        guard registry.kinds.contains(kind) else {
            throw APIError.invalid(field, "unknown agent kind '\(kind)'; this server runs: \(registry.kinds.joined(separator: ", "))")
        }
        // A bot without its platform connection would only fail its tasks (`not_deployed`).
        guard kind != BotExecutor.kind else {
            throw APIError.invalid(field, "a bot is made with POST /api/v1/agents/deploy, which connects it to its platform")
        }
        return kind
    }

    private func parseModel(_ body: JSONBody) throws -> String? {
        let field = body.has("model") ? "model" : "model_name"
        guard let model = try body.string(field, maxLength: 256) else { return nil }
        guard !model.isEmpty else { throw APIError.invalid(field, "must not be empty") }
        // `openai/gpt-4o` with no `openai` provider, or `llama2` with no default provider, is
        // refused now, not at run time.
        if let problem = models.providers.problem(with: model) { throw APIError.invalid(field, problem) }
        return model
    }

    /// USD, ≥ 0; `null` clears the limit.
    private func parseBudget(_ body: JSONBody) throws -> Double? {
        try body.double("budget_limit", in: 0...1_000_000_000)
    }

    /// A budget counts the cost of model calls; on a model without a price every call costs
    /// nothing and the budget would silently never apply, so it is refused instead.
    private func checkBudgetApplies(_ budget: Double?, model: String?) throws {
        guard budget != nil, let model, !models.isPriced(model) else { return }
        throw APIError.invalid(
            "budget_limit",
            "cannot apply: model '\(model)' has no price, so its calls cost nothing. Price it in HANGAR_MODEL_PRICES "
                + "(USD per million tokens, e.g. {\"\(model)\": {\"prompt\": 1.0, \"completion\": 2.0}}) or leave budget_limit out")
    }

    private func parseResources(_ body: JSONBody) throws -> Resources? {
        guard let value = try body.object("resources"), case .object(let fields) = value else { return nil }
        let resources = JSONBody(fields: fields)
        return Resources(
            cpu: try resources.double("cpu", in: 0...1024, prefix: "resources.") ?? 0,
            memoryMB: try resources.int("memory_mb", in: 0...10_000_000, prefix: "resources.") ?? 0,
            gpu: try resources.int("gpu", in: 0...64, prefix: "resources.") ?? 0)
    }
}
