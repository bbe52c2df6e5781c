import Foundation
import HangarAuth
import HangarBlobs
import HangarCore
import HangarServer
import HangarTestSupport
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@Suite("Readiness: a blob store fault degrades, it does not unready")
struct ReadinessTests {
    /// A blob store whose writes fail with `fault` while it is set.
    final class SwitchableBlobs: BlobStore {
        let fault = Mutex<BlobStoreFault?>(nil)
        func put(_ key: String, data: Data, contentType: String) async throws {
            if let fault = fault.withLock({ $0 }) { throw fault }
        }
        func get(_ key: String) async throws -> Data? { nil }
        func delete(_ key: String) async throws {}
        func list(prefix: String) async throws -> [BlobInfo] { [] }
    }

    @Test("/ready says degraded (200) and names the blob fault while writes fail, and ready again at the first write that succeeds")
    func blobFault() async throws {
        try await withTestStore(.sqlite) { store, _ in
            let base = SwitchableBlobs()
            let blobs = FaultRecordingBlobStore(base)
            let router = buildRouter(
                store: store, registry: .standard, configuration: ServerConfiguration(),
                authenticator: try await Authenticator(store: store, mode: .none, cacheTTL: 0), vault: .testing,
                browser: BrowserServices(blobs: blobs))
            try await Application(router: router).test(.router) { client in
                let healthy = try await client.send(.get, "/api/v1/ready")
                #expect(healthy.status == .ok && healthy.json["status"] == "ready" && healthy.json["blobs"] == "ok", "\(healthy.text)")

                base.fault.withLock { $0 = BlobStoreFault(kind: .diskFull, detail: "no space left on device", retryAfterSeconds: 30) }
                await #expect(throws: BlobStoreFault.self) { try await blobs.put("step.jpg", data: Data([1]), contentType: "image/jpeg") }
                let degraded = try await client.send(.get, "/api/v1/ready")
                #expect(degraded.status == .ok && degraded.json["status"] == "degraded", "\(degraded.text)")
                #expect(degraded.json["blobs"]?.stringValue?.hasPrefix("disk_full: no space left") == true, "\(degraded.text)")

                base.fault.withLock { $0 = nil }
                try await blobs.put("step.jpg", data: Data([1]), contentType: "image/jpeg")
                let recovered = try await client.send(.get, "/api/v1/ready")
                #expect(recovered.json["status"] == "ready" && recovered.json["blobs"] == "ok", "\(recovered.text)")
            }
        }
        // A process without browser services keeps no blobs.
        try await withAPI(workers: false) { client, _ in
            let ready = try await client.send(.get, "/api/v1/ready")
            #expect(ready.json["blobs"] == "none", "\(ready.text)")
        }
    }
}
