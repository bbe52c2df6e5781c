import Foundation
import HangarErrorText
import NIOCore
import NIOPosix

/// F5-TTS's streaming socket server (`src/f5_tts/socket_server.py`, default port 9998).
///
/// Its protocol has no framing: the client sends UTF-8 text, which the server reads with
/// one `recv(1024)`; the server answers with raw float32 samples (24 kHz mono, native
/// little-endian byte order, in chunks of any size) followed by the 3 bytes `END`, then waits
/// for more text on the same connection, and closes when the client does. Because float
/// bytes can spell `END` and a read can end mid-sample, looking for `END` in the stream (as
/// the sample client does) can cut an answer short. Hangar instead opens one connection per
/// segment, sends the text, half-closes its side and reads to the end: the server finishes
/// the answer, sees end-of-input at its next `recv` and closes, so the answer is everything
/// received, and its last 3 bytes must be `END` after a whole number of samples.
///
/// One text per connection also keeps each `recv(1024)` whole: longer texts are sent as
/// several requests of at most 1024 bytes, cut between words (never inside a UTF-8
/// character). The server serves one connection at a time, so segments go one at a time;
/// the voice is the server's own reference (set when it starts), and rate and pitch are the
/// pipeline's.
public struct F5SocketSynthesizer: SpeechSynthesizer {
    public var host: String
    public var port: Int
    public var sampleRate: Int
    public var timeout: Duration
    public var maximumRequestBytes = 1024
    /// Ten minutes of 24 kHz float32 audio per request at most.
    public var maximumResponseBytes = 24_000 * 4 * 600

    public init(host: String, port: Int = 9998, sampleRate: Int = 24_000, timeout: Duration = .seconds(60)) {
        self.host = host
        self.port = port
        self.sampleRate = sampleRate
        self.timeout = timeout
    }

    public var name: String { "f5" }

    public var capabilities: SynthesizerCapabilities {
        SynthesizerCapabilities(nativeRate: nil, nativePitch: nil, maximumConcurrency: 1)
    }

    public func readiness() async -> String? { nil }

    public func synthesize(_ request: SynthesisRequest) async throws -> AudioClip {
        var samples: [Float] = []
        for piece in Self.pieces(of: request.text, maximumBytes: maximumRequestBytes) {
            samples += try await withDeadline(timeout, "F5-TTS server at \(host):\(port) did not answer within \(timeout)") {
                try await exchange(piece)
            }
        }
        return AudioClip(sampleRate: sampleRate, samples: samples)
    }

    /// One connection: text out, output half-closed, everything in until the server closes.
    func exchange(_ text: String) async throws -> [Float] {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(5))
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true)
                        )
                    }
                }
        } catch {
            throw SpeechError.unavailable("F5-TTS server at \(host):\(port) unreachable: \(ErrorText.describe(error))")
        }
        let received = try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: text))
            outbound.finish()
            var received: [UInt8] = []
            for try await buffer in inbound {
                received.append(contentsOf: buffer.readableBytesView)
                if received.count > maximumResponseBytes {
                    throw SpeechError.synthesis("F5-TTS answer exceeds \(maximumResponseBytes) bytes")
                }
            }
            return received
        }
        return try Self.decode(received)
    }

    /// The samples of one answer: float32 little-endian, then `END`.
    static func decode(_ bytes: [UInt8]) throws -> [Float] {
        guard bytes.count >= 3, bytes.suffix(3).elementsEqual("END".utf8) else {
            throw SpeechError.synthesis("F5-TTS server closed the connection without END (\(bytes.count) bytes received); see its log")
        }
        let length = bytes.count - 3
        guard length % 4 == 0 else {
            throw SpeechError.synthesis("F5-TTS answer is not whole float32 samples (\(length) bytes before END)")
        }
        var samples = [Float](repeating: 0, count: length / 4)
        for index in 0..<samples.count {
            let offset = index * 4
            let bits = UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
            let value = Float(bitPattern: bits)
            samples[index] = value.isFinite ? value : 0
        }
        return samples
    }

    /// `text` in pieces of at most `maximumBytes` UTF-8 bytes, cut at spaces where possible
    /// and never inside a character.
    public static func pieces(of text: String, maximumBytes: Int) -> [String] {
        var pieces: [String] = []
        var rest = Substring(text)
        while rest.utf8.count > maximumBytes {
            var end = rest.startIndex
            var lastSpace: String.Index?
            var bytes = 0
            for index in rest.indices {
                let size = rest[index].utf8.count
                if bytes + size > maximumBytes { break }
                bytes += size
                end = rest.index(after: index)
                if rest[index] == " " { lastSpace = index }
            }
            if end == rest.startIndex { end = rest.index(after: rest.startIndex) }  // one character over the limit on its own
            let cut = lastSpace.map { $0 > rest.startIndex ? $0 : end } ?? end
            pieces.append(String(rest[..<cut]))
            rest = rest[cut...].drop(while: { $0 == " " })
        }
        if !rest.trimmingCharacters(in: .whitespaces).isEmpty { pieces.append(String(rest)) }
        return pieces.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }
}
