import Foundation
import HangarCore
import HangarSpeech
import Hummingbird
import HummingbirdTesting
import NIOCore

/// A local server speaking OpenAI's `POST /v1/audio/speech`, as a test stand-in for the real
/// service: it checks the bearer key and the JSON body, and answers 0.05 s of a 220 Hz tone
/// per character of `input` (divided by `speed`) as a 24 kHz WAV file or raw 16-bit PCM.
actor OpenAISpeechServer {
    var requests: [JSONValue] = []
    var authorizations: [String?] = []
    /// Answer this many requests with 503 first.
    var failuresToServe = 0
    let key = "test-key"

    static func seconds(for input: String, speed: Double) -> Double { Double(input.count) * 0.05 / speed }

    func record(_ body: JSONValue, authorization: String?) -> Bool {
        requests.append(body)
        authorizations.append(authorization)
        if failuresToServe > 0 {
            failuresToServe -= 1
            return false
        }
        return true
    }

    func failNext(_ count: Int) { failuresToServe = count }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/v1/audio/speech") { request, context -> Response in
            let data = try await request.body.collect(upTo: 1 << 20)
            let body = try JSONText.decode(String(buffer: data))
            let authorization = request.headers[.authorization]
            guard await self.record(body, authorization: authorization) else {
                return Self.error(.serviceUnavailable, "The server is overloaded", headers: [.retryAfter: "0"])
            }
            guard authorization == "Bearer \(self.key)" else { return Self.error(.unauthorized, "Incorrect API key provided") }
            guard let input = body["input"]?.stringValue, let voice = body["voice"]?.stringValue, body["model"]?.stringValue != nil else {
                return Self.error(.badRequest, "model, input and voice are required")
            }
            guard voice != "nope" else { return Self.error(.badRequest, "Invalid voice: nope") }
            let speed = body["speed"]?.doubleValue ?? 1
            let tone = PCM16.quantize(AudioAnalysis.sine(frequency: 220, seconds: Self.seconds(for: input, speed: speed), sampleRate: 24_000))
            switch body["response_format"]?.stringValue ?? "mp3" {
            case "wav":
                return Response(
                    status: .ok,
                    headers: [.contentType: "audio/wav"],
                    body: .init(byteBuffer: ByteBuffer(bytes: WAVEncoder.file(sampleRate: 24_000, samples: tone)))
                )
            case "pcm":
                return Response(status: .ok, headers: [.contentType: "audio/pcm"], body: .init(byteBuffer: ByteBuffer(bytes: PCM16.bytes(tone))))
            default:
                return Response(status: .ok, headers: [.contentType: "audio/mpeg"], body: .init(byteBuffer: ByteBuffer(string: "ID3 not really mp3")))
            }
        }
        return router
    }

    nonisolated static func error(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        let body = JSONText.encode(["error": ["message": .string(message), "type": "invalid_request_error"]])
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Runs the server on a free loopback port for the duration of `body`.
    func run(_ body: @Sendable (_ url: String) async throws -> Void) async throws {
        let app = Application(router: router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(client.port!)")
        }
    }
}
