import AsyncHTTPClient
import Foundation
import HangarCore
import HangarServer
import HangarSpeech
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Testing

@Suite("Speech over a real connection")
struct LiveStreamingTests {
    @Test("a session's audio arrives chunked and paced over HTTP: first audio soon after the text, then 20 ms per frame")
    func chunkedRealtime() async throws {
        _ = try SpeechTestSupport.requireEspeak()
        let service = SpeechService(configuration: try SpeechTestSupport.configuration())
        let router = Router(context: HangarRequestContext.self)
        SpeechController(service: service, configuration: ServerConfiguration()).addRoutes(to: router)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let base = "http://127.0.0.1:\(client.port!)"
            let started = try await client.execute(uri: "/api/v1/tts/stream/start", method: .post)
            let id = try #require(
                try JSONText.decode(String(buffer: started.body))["session_id"]?.stringValue,
                "\(started.status) \(String(buffer: started.body))"
            )

            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "\(base)/api/v1/tts/stream/\(id)/audio"), timeout: .seconds(30))
            #expect(response.status == .ok && response.headers.first(name: "Transfer-Encoding") == "chunked")
            var text = HTTPClientRequest(url: "\(base)/api/v1/tts/stream/text")
            text.method = .POST
            text.body = .bytes(
                ByteBuffer(string: JSONText.encode(["session_id": .string(id), "text": "Opening the search page and typing the query. "]))
            )
            let sent = ContinuousClock.now
            _ = try await HTTPClient.shared.execute(text, timeout: .seconds(10))

            var received = 0
            var firstAudio: Duration?
            var oneSecondMark: ContinuousClock.Instant?
            for try await chunk in response.body {
                received += chunk.readableBytes
                if firstAudio == nil { firstAudio = ContinuousClock.now - sent }
                if oneSecondMark == nil, received >= 3 * 1920 { oneSecondMark = .now }
                if received >= (3 + 50) * 1920 { break }
            }
            let paced = ContinuousClock.now - (oneSecondMark ?? .now)
            #expect(firstAudio.map { $0 < .seconds(2) } == true, "first audio after \(String(describing: firstAudio))")
            #expect(paced > .milliseconds(900) && paced < .milliseconds(1500), "50 frames took \(paced)")
            _ = try await service.stopSession(sessionID: id, cancel: true, tenantID: Tenant.defaultID)
        }
    }
}
