import Foundation
public import HangarCore

/// Workflow definitions (issue 18), versioned: every write adds a version and moves the
/// definition to it; versions are never changed or removed, so an execution can always read
/// the version it started with, even after the definition is deleted (a soft delete).
public protocol WorkflowStore: Sendable {
    /// Version 1 of a new definition. `HangarError.conflict` when the tenant has a live
    /// definition of that name.
    func workflowInsert(_ params: WorkflowWriteParams) async throws -> WorkflowDefinition
    /// The latest version of a live definition, by id or by its unique name within the tenant.
    func workflowGet(tenantID: String, idOrName: String) async throws -> WorkflowDefinition?
    /// Live definitions at their latest version, oldest first.
    func workflowList(_ params: WorkflowListParams) async throws -> [WorkflowDefinition]
    /// Adds the next version. `HangarError.notFound` when the tenant has no live definition
    /// `id`; `HangarError.conflict` when another live definition has the new name.
    func workflowUpdate(id: String, _ params: WorkflowWriteParams) async throws -> WorkflowDefinition
    /// Soft-deletes: the definition leaves lookups and lists and frees its name; its versions
    /// stay. `false` when the tenant has no such live definition.
    func workflowDelete(tenantID: String, id: String) async throws -> Bool
    /// One version of a definition by id, deleted definitions included (`deletedAt` set).
    func workflowVersionGet(tenantID: String, workflowID: String, version: Int) async throws -> WorkflowDefinition?
}
