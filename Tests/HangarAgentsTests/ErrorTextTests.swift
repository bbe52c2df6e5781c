import AsyncHTTPClient
import Foundation
import HangarCore
import HangarErrorText
import NIOCore
import Testing

@Suite("ErrorText: errors in words, never a debug dump")
struct ErrorTextTests {
    struct Forecast: Decodable { var temperature: Double }
    struct SomeLibraryError: Error { var code = 7; var internals = "do-not-show" }

    @Test("network, decoding, Hangar's own and unknown errors")
    func describe() async throws {
        #expect(ErrorText.describe(HTTPClientError.readTimeout) == "no answer in time (read timed out)")
        #expect(ErrorText.describe(HTTPClientError.connectTimeout) == "connecting timed out")
        #expect(ErrorText.describe(IOError(errnoCode: ECONNREFUSED, reason: "connect")) == "connection refused (nothing listens there)")
        #expect(ErrorText.describe(TaskFailure(code: "x", message: "the model is busy", retryable: true)) == "the model is busy")
        #expect(ErrorText.describe(HangarError.invalid(field: "prompt", message: "is required")) == "prompt: is required")
        #expect(ErrorText.describe(CancellationError()) == "cancelled")

        let decoding = try #require(throws: DecodingError.self) { try JSONDecoder().decode(Forecast.self, from: Data(#"{"temp": 3}"#.utf8)) }
        #expect(ErrorText.describe(decoding) == "the document has no 'temperature'")
        let mismatch = try #require(throws: DecodingError.self) { try JSONDecoder().decode(Forecast.self, from: Data(#"{"temperature": "warm"}"#.utf8)) }
        #expect(ErrorText.describe(mismatch) == "'temperature' is not a number")

        let unknown = ErrorText.describe(SomeLibraryError())
        #expect(unknown == "unexpected error (SomeLibraryError)")
        #expect(!unknown.contains("do-not-show"))

        // A real refused connection through AsyncHTTPClient.
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let refused = await #expect(throws: (any Error).self) {
            _ = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:1/"), timeout: .seconds(5))
        }
        try await client.shutdown()
        let text = ErrorText.describe(try #require(refused))
        #expect(text.contains("connection refused"), "\(text)")
        #expect(!text.contains("NIOConnectionError") && !text.contains("errno"), "\(text)")
    }
}
