import Foundation
import HangarCore
import HangarStore
import HangarTestSupport
import Testing

@Suite("Store conformance: security incidents")
struct IncidentTests {
    @Test("incidents are listed newest first per tenant, filtered, counted, and resolved once", arguments: TestBackend.allCases)
    func lifecycle(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            // setup
            let start = Date().addingTimeInterval(-1)
            let kinds: [(SecurityIncident.Kind, SecurityIncident.Severity, String?)] = [
                (.rateLimitExceeded, .medium, nil), (.executionTimeout, .medium, "agent-a"), (.ssrfBlocked, .high, "agent-a"),
                (.schemaViolation, .low, "agent-b"), (.authFailure, .high, nil),
            ]
            var ids: [String] = []
            for (offset, (kind, severity, agent)) in kinds.enumerated() {
                let incident = SecurityIncident(
                    tenantID: "acme", kind: kind, severity: severity, description: "incident \(offset)", agentID: agent, actor: "key:k1",
                    details: ["n": .int(Int64(offset))], createdAt: start.addingTimeInterval(Double(offset) * 0.01))
                try await store.incidentInsert(incident)
                ids.append(incident.id)
            }
            try await store.incidentInsert(SecurityIncident(tenantID: "globex", kind: .authFailure, severity: .critical, description: "other"))

            // act / validate
            let all = try await store.incidentList(IncidentListParams(tenantID: "acme"))
            #expect(all.total == 5)
            #expect(all.incidents.map(\.id) == ids.reversed(), "newest first")
            #expect(all.incidents.last?.details == ["n": 0])
            #expect(all.incidents.last?.actor == "key:k1")

            let high = try await store.incidentList(IncidentListParams(tenantID: "acme", severity: .high))
            #expect(Set(high.incidents.map(\.kind)) == [.ssrfBlocked, .authFailure] && high.total == 2)
            let agentA = try await store.incidentList(IncidentListParams(tenantID: "acme", agentID: "agent-a"))
            #expect(agentA.total == 2)
            let timeouts = try await store.incidentList(IncidentListParams(tenantID: "acme", kind: .executionTimeout))
            #expect(timeouts.incidents.map(\.id) == [ids[1]])
            let page = try await store.incidentList(IncidentListParams(tenantID: "acme", limit: 2, offset: 2))
            #expect(page.incidents.map(\.id) == [ids[2], ids[1]] && page.total == 5)
            let future = try await store.incidentList(IncidentListParams(tenantID: "acme", since: Date().addingTimeInterval(60)))
            #expect(future.total == 0 && future.incidents.isEmpty)

            let resolved = try #require(try await store.incidentResolve(tenantID: "acme", id: ids[2], by: "key:admin", notes: "allow-listed"))
            #expect(resolved.resolved && resolved.resolvedBy == "key:admin" && resolved.resolutionNotes == "allow-listed")
            let again = try #require(try await store.incidentResolve(tenantID: "acme", id: ids[2], by: "key:other", notes: "late"))
            #expect(again.resolvedBy == "key:admin" && again.resolutionNotes == "allow-listed", "the first resolution stands")
            #expect(try await store.incidentResolve(tenantID: "globex", id: ids[0], by: "key:x", notes: nil) == nil, "tenants are apart")

            let open = try await store.incidentList(IncidentListParams(tenantID: "acme", resolved: false))
            #expect(open.total == 4 && !open.incidents.contains { $0.id == ids[2] })
            let closed = try await store.incidentList(IncidentListParams(tenantID: "acme", resolved: true))
            #expect(closed.incidents.map(\.id) == [ids[2]])
        }
    }

    @Test("retention deletes incidents older than the cutoff, oldest first, in batches", arguments: TestBackend.allCases)
    func retention(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            // setup: five old incidents in two tenants, two recent ones
            let now = Date()
            for (index, tenant) in ["acme", "acme", "globex", "acme", "globex"].enumerated() {
                try await store.incidentInsert(
                    SecurityIncident(
                        tenantID: tenant, kind: .executionTimeout, severity: .medium, description: "old \(index)",
                        createdAt: now.addingTimeInterval(-86_400 * 10 + Double(index))))
            }
            for tenant in ["acme", "globex"] {
                try await store.incidentInsert(SecurityIncident(tenantID: tenant, kind: .authFailure, severity: .high, description: "recent"))
            }

            // act
            let cutoff = now.addingTimeInterval(-86_400 * 7)
            let first = try await store.incidentDeleteOld(before: cutoff, limit: 3)
            let second = try await store.incidentDeleteOld(before: cutoff, limit: 3)
            let third = try await store.incidentDeleteOld(before: cutoff, limit: 3)

            // validate
            #expect([first, second, third] == [Int]([3, 2, 0]))
            let acme = try await store.incidentList(IncidentListParams(tenantID: "acme"))
            let globex = try await store.incidentList(IncidentListParams(tenantID: "globex"))
            #expect(acme.incidents.map(\.description) == ["recent"] && globex.incidents.map(\.description) == ["recent"])
        }
    }
}
