import Foundation
import HangarCore
import HangarStore
import HangarTestSupport
import Testing

@Suite("Store conformance: idle rate-limit buckets are deleted")
struct RateBucketPruneTests {
    @Test("prune deletes buckets idle since the cutoff, keeps recent ones; a pruned caller starts full", arguments: TestBackend.allCases)
    func prune(_ backend: TestBackend) async throws {
        try await withTestStore(backend) { store, _ in
            for key in ["requests:a", "requests:b"] {
                _ = try await store.rateLimitTake(key: key, capacity: 2, refillPerSecond: 2.0 / 3600)
            }
            // Both were used just now: a cutoff an hour back keeps them.
            #expect(try await store.rateLimitPrune(idleSince: Date().addingTimeInterval(-3600)) == 0)
            let drained = try await store.rateLimitTake(key: "requests:a", capacity: 2, refillPerSecond: 2.0 / 3600)
            #expect(drained.remaining == 0, "the kept bucket remembers its tokens")

            #expect(try await store.rateLimitPrune(idleSince: Date().addingTimeInterval(5)) == 2)
            let fresh = try await store.rateLimitTake(key: "requests:a", capacity: 2, refillPerSecond: 2.0 / 3600)
            #expect(fresh.allowed && fresh.remaining == 1, "a deleted bucket is a full one")
            #expect(try await store.rateLimitPrune(idleSince: Date().addingTimeInterval(5)) == 1, "only the new row was left")
        }
    }
}
