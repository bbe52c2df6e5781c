import Foundation
import HangarCore
import HangarStore
import HangarTestSupport
import Testing

@Suite("Store conformance: workflow definitions")
struct WorkflowStoreTests {
    static func draft(_ name: String, steps: [WorkflowStep]? = nil, priority: WorkflowPriority = .normal) -> WorkflowDraft {
        WorkflowDraft(
            name: name, description: "d",
            steps: steps ?? [
                WorkflowStep(id: "a", name: "A", type: "data_validation", config: ["required_fields": ["name"]]),
                WorkflowStep(id: "b", name: "B", type: "llm", dependencies: ["a"], agentID: "writer", input: ["prompt": "go"]),
            ],
            priority: priority, maxExecutionTime: 1800)
    }

    @Test("an update adds a version and old versions stay readable; names are unique per tenant", arguments: TestBackend.allCases)
    func versions(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let created = try await store.workflowInsert(WorkflowWriteParams(tenantID: "acme", draft: Self.draft("pipeline")))
            #expect(created.version == 1 && created.name == "pipeline" && created.tenantID == "acme" && created.deletedAt == nil)
            #expect(created.steps == Self.draft("pipeline").steps, "steps round-trip, agent fields included")
            #expect(created.maxExecutionTime == 1800 && created.priority == .normal && created.description == "d")

            await #expect(throws: HangarError.conflict("a workflow named 'pipeline' already exists")) {
                _ = try await store.workflowInsert(WorkflowWriteParams(tenantID: "acme", draft: Self.draft("pipeline")))
            }
            // Another tenant may use the name.
            let theirs = try await store.workflowInsert(WorkflowWriteParams(tenantID: "globex", draft: Self.draft("pipeline")))

            let changed = Self.draft("pipeline v2", steps: [WorkflowStep(id: "only", name: "Only", type: "wait", config: ["seconds": 5])], priority: .critical)
            let updated = try await store.workflowUpdate(id: created.id, WorkflowWriteParams(tenantID: "acme", draft: changed))
            #expect(updated.version == 2 && updated.name == "pipeline v2" && updated.priority == .critical && updated.steps.map(\.id) == ["only"])
            #expect(updated.createdAt == created.createdAt && updated.updatedAt >= created.updatedAt)
            let third = try await store.workflowUpdate(id: created.id, WorkflowWriteParams(tenantID: "acme", draft: changed))
            #expect(third.version == 3)

            let latest = try #require(try await store.workflowGet(tenantID: "acme", idOrName: created.id))
            #expect(latest.version == 3)
            #expect(try await store.workflowGet(tenantID: "acme", idOrName: "pipeline v2")?.id == created.id, "by name")
            #expect(try await store.workflowGet(tenantID: "acme", idOrName: "pipeline") == nil, "the old name is free")
            let first = try #require(try await store.workflowVersionGet(tenantID: "acme", workflowID: created.id, version: 1))
            #expect(first.version == 1 && first.name == "pipeline" && first.steps.map(\.id) == ["a", "b"])
            #expect(try await store.workflowVersionGet(tenantID: "acme", workflowID: created.id, version: 4) == nil)

            // Tenants are apart: reads, updates and deletes of another tenant's definition find nothing.
            #expect(try await store.workflowGet(tenantID: "globex", idOrName: created.id) == nil)
            #expect(try await store.workflowVersionGet(tenantID: "globex", workflowID: created.id, version: 1) == nil)
            await #expect(throws: HangarError.notFound(resource: "workflow", id: created.id)) {
                _ = try await store.workflowUpdate(id: created.id, WorkflowWriteParams(tenantID: "globex", draft: changed))
            }
            #expect(try await store.workflowDelete(tenantID: "globex", id: created.id) == false)
            #expect(try await store.workflowGet(tenantID: "globex", idOrName: "pipeline")?.id == theirs.id)

            // A rename onto a live name conflicts.
            let other = try await store.workflowInsert(WorkflowWriteParams(tenantID: "acme", draft: Self.draft("other")))
            await #expect(throws: HangarError.conflict("a workflow named 'pipeline v2' already exists")) {
                _ = try await store.workflowUpdate(id: other.id, WorkflowWriteParams(tenantID: "acme", draft: changed))
            }
            #expect(try await store.workflowGet(tenantID: "acme", idOrName: other.id)?.version == 1, "a refused update adds no version")
        }
    }

    @Test("delete is soft: the definition leaves lookups and frees its name, its versions stay readable", arguments: TestBackend.allCases)
    func delete(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            let created = try await store.workflowInsert(WorkflowWriteParams(tenantID: "acme", draft: Self.draft("nightly")))
            _ = try await store.workflowUpdate(id: created.id, WorkflowWriteParams(tenantID: "acme", draft: Self.draft("nightly")))
            #expect(try await store.workflowDelete(tenantID: "acme", id: created.id))
            #expect(try await store.workflowDelete(tenantID: "acme", id: created.id) == false)
            #expect(try await store.workflowGet(tenantID: "acme", idOrName: created.id) == nil)
            #expect(try await store.workflowList(WorkflowListParams(tenantID: "acme")).isEmpty)
            await #expect(throws: HangarError.notFound(resource: "workflow", id: created.id)) {
                _ = try await store.workflowUpdate(id: created.id, WorkflowWriteParams(tenantID: "acme", draft: Self.draft("nightly")))
            }
            for version in 1...2 {
                let kept = try #require(try await store.workflowVersionGet(tenantID: "acme", workflowID: created.id, version: version))
                #expect(kept.version == version && kept.deletedAt != nil && kept.steps.count == 2)
            }
            let again = try await store.workflowInsert(WorkflowWriteParams(tenantID: "acme", draft: Self.draft("nightly")))
            #expect(again.id != created.id && again.version == 1)
        }
    }

    @Test("list: oldest first, latest versions, name filter ignoring case, limit and offset", arguments: TestBackend.allCases)
    func list(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            var ids: [String] = []
            for name in ["Data Processing Pipeline", "nightly report", "Data export"] {
                ids.append(try await store.workflowInsert(WorkflowWriteParams(tenantID: "acme", draft: Self.draft(name))).id)
            }
            _ = try await store.workflowInsert(WorkflowWriteParams(tenantID: "globex", draft: Self.draft("Data elsewhere")))
            _ = try await store.workflowUpdate(id: ids[1], WorkflowWriteParams(tenantID: "acme", draft: Self.draft("nightly report")))

            let all = try await store.workflowList(WorkflowListParams(tenantID: "acme"))
            #expect(all.map(\.id) == ids && all.map(\.version) == [1, 2, 1])
            #expect(try await store.workflowList(WorkflowListParams(tenantID: "acme", nameContains: "DATA")).map(\.id) == [ids[0], ids[2]])
            #expect(try await store.workflowList(WorkflowListParams(tenantID: "acme", nameContains: "zzz")).isEmpty)
            #expect(try await store.workflowList(WorkflowListParams(tenantID: "acme", limit: 1, offset: 1)).map(\.id) == [ids[1]])
        }
    }
}
