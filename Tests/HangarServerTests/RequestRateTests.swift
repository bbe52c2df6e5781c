import Foundation
import HangarCore
import HangarServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Request rate: the burst is what the setting says")
struct RequestRateTests {
    static let limit = HTTPField.Name("X-RateLimit-Limit")!
    static let remaining = HTTPField.Name("X-RateLimit-Remaining")!

    @Test("10 requests a minute: ten pass at once, the 11th gets 429 with Retry-After; the limit header says 10")
    func perMinuteBurst() async throws {
        try await withAPI(workers: false, rateLimits: RateLimits(requestsPerMinute: 10)) { client, _ in
            for index in 0..<10 {
                let response = try await client.send(.get, "/api/v1/agents")
                #expect(response.status == .ok, "\(index): \(response.text)")
                #expect(response.headers[Self.limit] == "10")
                #expect(response.headers[Self.remaining] == String(9 - index))
            }
            let refused = try await client.send(.get, "/api/v1/agents")
            #expect(refused.status == .tooManyRequests)
            // One token comes back every 6 s at 10 a minute.
            let retryAfter = try #require(Int(refused.headers[.retryAfter] ?? ""))
            #expect((1...6).contains(retryAfter), "\(retryAfter)")
            #expect(refused.json["status_code"] == 429)
            #expect(refused.json["detail"]?.stringValue?.contains("10 per minute") == true, "\(refused.text)")
        }
    }

    @Test("agent creation stays an hourly bucket of its own: 3 an hour, the 4th waits about 20 minutes")
    func hourlyBucket() async throws {
        try await withAPI(workers: false, rateLimits: RateLimits(agentCreationsPerHour: 3)) { client, _ in
            for index in 0..<3 {
                let response = try await client.send(.post, "/api/v1/agents", json: ["model": "mock/echo", "name": .string("a\(index)")])
                #expect(response.status == .created, "\(index): \(response.text)")
                #expect(response.headers[Self.limit] == "3")
            }
            let refused = try await client.send(.post, "/api/v1/agents", json: ["model": "mock/echo", "name": "one-too-many"])
            #expect(refused.status == .tooManyRequests)
            let retryAfter = try #require(Int(refused.headers[.retryAfter] ?? ""))
            #expect((1100...1200).contains(retryAfter), "\(retryAfter)")
            #expect(refused.json["detail"]?.stringValue?.contains("3 per hour") == true)
        }
    }
}
