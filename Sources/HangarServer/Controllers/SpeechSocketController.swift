import Foundation
import HangarAuth
import HangarCore
import HangarSpeech
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket

/// `WS /ws/tts/{session_id}` (seed 000): a session's audio as binary WebSocket messages, one
/// 20 ms frame of 48 kHz mono s16le PCM each — the same frames as the chunked HTTP stream.
///
/// - Credential: `?token=` (browsers cannot set headers on a WebSocket) or `Authorization`.
///   A missing or invalid one closes the socket with 1008 (policy violation); a session
///   that is not the caller's tenant's closes it with 4404.
/// - First a text message `{"type":"format", sample_rate, channels, encoding, frame_ms,
///   first_frame}`; then the frames; when the session ends, `{"type":"end","frames":N}` and
///   a normal close. `?from=N` resumes after a reconnection, `?pace=burst` skips real-time pacing.
/// - `{"type":"ping"}` is answered with `{"type":"pong","timestamp":…}`.
struct SpeechSocketController {
    let service: SpeechService
    let authenticator: Authenticator

    func addRoutes(to router: Router<BasicWebSocketRequestContext>) {
        router.ws("/ws/tts/{session_id}") { _, _ in .upgrade() } onUpgrade: { inbound, outbound, context in
            try await self.serve(inbound, outbound, context)
        }
    }

    private func serve(
        _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, _ context: WebSocketRouterContext<BasicWebSocketRequestContext>
    ) async throws {
        let request = context.request
        let principal: Principal
        do {
            principal = try await authenticator.authenticate(AuthMiddleware.token(request))
        } catch {
            try await outbound.close(.policyViolation, reason: error.message)
            return
        }
        let query = Query(request)
        guard let id = context.requestContext.parameters.get("session_id"),
            let stream = try? await service.session(id, tenantID: principal.tenantID)
        else {
            try await outbound.close(.unknown(4404), reason: "speech session not found")
            return
        }
        let from = query.string("from").map { Int($0) }
        guard let pace = SpeechListener.Pace(rawValue: query.string("pace") ?? "realtime"), from.map({ ($0 ?? -1) >= 0 }) ?? true else {
            try await outbound.close(.unacceptableData, reason: "pace must be realtime or burst; from a frame number")
            return
        }
        let configuration = service.configuration
        let first = await stream.firstFrame(from: from ?? nil)
        let format: JSONValue = [
            "type": "format", "session_id": .string(id), "sample_rate": .int(Int64(configuration.format.sampleRate)), "channels": 1,
            "encoding": "s16le", "frame_ms": .int(Int64(configuration.format.frameMilliseconds)), "first_frame": .int(Int64(first)),
        ]
        try await outbound.write(.text(JSONText.encode(format)))
        let bytesPerFrame = configuration.format.bytesPerFrame
        // Two halves: frames go out until the session ends, while the client's messages are
        // read; whichever finishes first (the session ended, or the client left) stops the other.
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await message in inbound.messages(maxSize: 64 * 1024) {
                        guard case .text(let text) = message, (try? JSONText.decode(text))?["type"] == "ping" else { continue }
                        try await outbound.write(.text(JSONText.encode(["type": "pong", "timestamp": .string(Timestamp.format(Date()))])))
                    }
                } catch {}
            }
            group.addTask {
                var listener = await SpeechListener.attach(to: stream, from: first, pace: pace, configuration: configuration)
                var sent = 0
                // One message per 20 ms frame: a burst of a second would exceed the 16 KiB that
                // WebSocket clients accept by default, and a frame is the unit players consume.
                sending: while !Task.isCancelled, let bytes = await listener.next() {
                    for start in stride(from: 0, to: bytes.count, by: bytesPerFrame) {
                        let frame = ByteBuffer(bytes: bytes[start..<min(start + bytesPerFrame, bytes.count)])
                        guard (try? await outbound.write(.binary(frame))) != nil else { break sending }
                        sent += 1
                    }
                }
                await listener.detach()
                guard !Task.isCancelled else { return }
                try? await outbound.write(.text(JSONText.encode(["type": "end", "frames": .int(Int64(sent))])))
                try? await outbound.close(.normalClosure, reason: nil)
            }
            await group.next()
            group.cancelAll()
        }
    }
}
