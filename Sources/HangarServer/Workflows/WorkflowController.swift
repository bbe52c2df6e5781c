import Foundation
import HangarCore
import HangarStore
import Hummingbird

/// `/api/v1/workflows/definitions`: create, list, read, update (a new version) and delete
/// workflow definitions (issue 18; executions come later). A definition is addressed by id or
/// by its unique name, like an agent.
struct WorkflowController {
    let store: any WorkflowStore & AgentStore & AuditStore
    let configuration: ServerConfiguration

    func addRoutes(to router: Router<HangarRequestContext>) {
        router.post("/api/v1/workflows/definitions", use: create)
        router.get("/api/v1/workflows/definitions", use: list)
        router.get("/api/v1/workflows/definitions/{workflow_id}", use: get)
        router.put("/api/v1/workflows/definitions/{workflow_id}", use: update)
        router.delete("/api/v1/workflows/definitions/{workflow_id}", use: delete)
        router.get("/api/v1/workflows/definitions/{workflow_id}/versions/{version}", use: version)
    }

    @Sendable func create(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, accepting: WorkflowDraft.fields)
        let draft = try WorkflowDraft.read(body.fields)
        try await checkAgents(draft, context: context)
        // Answered here to name the field; the store's unique index decides races.
        if try await store.workflowGet(tenantID: context.tenantID, idOrName: draft.name)?.name == draft.name {
            throw APIError(.conflict, "a workflow named '\(draft.name)' exists already", field: "name")
        }
        let workflow = try await store.workflowInsert(WorkflowWriteParams(tenantID: context.tenantID, draft: draft))
        await AuditLog.record(
            store, context, action: "workflow.create", resourceType: "workflow", resourceID: workflow.id, details: ["name": .string(workflow.name)])
        return JSONResponse.make(WorkflowRepresentation.json(workflow), status: .created)
    }

    @Sendable func list(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let query = Query(request)
        let workflows = try await store.workflowList(
            WorkflowListParams(
                tenantID: context.tenantID, nameContains: query.string("name"), limit: try query.int("limit", in: 1...1000, default: 100),
                offset: try query.int("offset", in: 0...10_000_000, default: 0)))
        return JSONResponse.make(.array(workflows.map(WorkflowRepresentation.json)))
    }

    @Sendable func get(_ request: Request, context: HangarRequestContext) async throws -> Response {
        JSONResponse.make(WorkflowRepresentation.json(try await workflow(context)))
    }

    @Sendable func update(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let current = try await workflow(context)
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, accepting: WorkflowDraft.fields)
        guard !body.fields.isEmpty else {
            throw APIError(
                .unprocessableContent, "the body changes nothing; send at least one of: \(WorkflowDraft.fields.sorted().joined(separator: ", "))")
        }
        let draft = try WorkflowDraft.read(body.fields, over: WorkflowDraft(current))
        // Unchanged steps were checked when their version was written.
        if body.has("steps") { try await checkAgents(draft, context: context) }
        let updated = try await store.workflowUpdate(id: current.id, WorkflowWriteParams(tenantID: context.tenantID, draft: draft))
        await AuditLog.record(
            store, context, action: "workflow.update", resourceType: "workflow", resourceID: updated.id,
            details: ["version": .int(Int64(updated.version))])
        return JSONResponse.make(WorkflowRepresentation.json(updated))
    }

    @Sendable func delete(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let workflow = try await workflow(context)
        guard try await store.workflowDelete(tenantID: context.tenantID, id: workflow.id) else {
            throw APIError.notFound("workflow", workflow.id)
        }
        await AuditLog.record(store, context, action: "workflow.delete", resourceType: "workflow", resourceID: workflow.id)
        return JSONResponse.make(["id": .string(workflow.id), "deleted": true])
    }

    /// One version. A deleted definition's versions stay readable by its id (an execution
    /// started before the delete still names them).
    @Sendable func version(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let reference = try Self.reference(context)
        let text = try context.parameters.decoded("version")
        guard let number = Int(text), number >= 1 else { throw APIError.invalid("version", "must be a positive integer") }
        let id = try await store.workflowGet(tenantID: context.tenantID, idOrName: reference)?.id ?? reference
        guard let workflow = try await store.workflowVersionGet(tenantID: context.tenantID, workflowID: id, version: number) else {
            throw APIError.notFound("workflow version", "\(reference)@\(number)")
        }
        return JSONResponse.make(WorkflowRepresentation.json(workflow))
    }

    /// The path's `{workflow_id}`: a name may hold spaces (`Data%20Processing%20Pipeline`).
    private static func reference(_ context: HangarRequestContext) throws -> String {
        try context.parameters.decoded("workflow_id")
    }

    private func workflow(_ context: HangarRequestContext) async throws -> WorkflowDefinition {
        let reference = try Self.reference(context)
        guard let workflow = try await store.workflowGet(tenantID: context.tenantID, idOrName: reference) else {
            throw APIError.notFound("workflow", reference)
        }
        return workflow
    }

    /// Every agent a step names must exist in the caller's tenant (another tenant's is unknown).
    private func checkAgents(_ draft: WorkflowDraft, context: HangarRequestContext) async throws {
        for (field, agent) in draft.agentReferences where try await store.agentGet(tenantID: context.tenantID, idOrName: agent) == nil {
            throw APIError.invalid(field, "no agent '\(agent)' in this tenant")
        }
    }
}
