import HangarBlobs
import HTTPTypes
import Testing

@testable import HangarServer

/// A blob store fault reaching the API (ending a capture episode whose archive cannot be
/// written) is answered like a storage fault: 507 for a full disk, 503 otherwise, with
/// `Retry-After` and the fault's own words.
@Suite("Blob store faults in the API")
struct BlobFaultAnswerTests {
    @Test("disk_full → 507, read_only / unavailable / timeout → 503; Retry-After and the detail kept", arguments: BlobStoreFault.Kind.allCases)
    func answer(kind: BlobStoreFault.Kind) throws {
        let fault = BlobStoreFault(kind: kind, detail: "the blob store says \(kind.rawValue)", retryAfterSeconds: 30)
        let answer = try #require(APIError.from(fault))
        #expect(answer.status.code == (kind == .diskFull ? 507 : 503))
        #expect(answer.detail == fault.detail)
        #expect(answer.headers[.retryAfter] == "30")
    }
}
