import Foundation
import HangarSpeech
import NIOCore
import NIOPosix

/// A local server speaking F5-TTS's socket protocol the way `src/f5_tts/socket_server.py`
/// does: one connection at a time (its accept loop is not threaded); each `recv(1024)` is
/// a text, decoded as UTF-8 and stripped; the answer is float32 samples in chunks, then
/// `END`; end of input (the client closing its side) closes the connection.
///
/// The samples are chosen to be hard to frame: every answer contains a sample whose first
/// three bytes spell `END`, sent in writes split right after those bytes, and the final
/// `END` goes out in the same write as the last samples.
actor F5SocketServer {
    enum Behaviour: Sendable { case normal, noEnd }

    var texts: [String] = []
    var invalidUTF8 = 0
    var oversizedReads = 0
    var connections = 0
    var behaviour: Behaviour = .normal

    func setBehaviour(_ behaviour: Behaviour) { self.behaviour = behaviour }

    /// The samples the server answers `text` with: 0.004 s of a 330 Hz tone per byte, with the
    /// tricky sample (bytes `E N D ?`, 0.7668…) every 500 samples.
    static func samples(for text: String) -> [Float] {
        let count = max(1, Int(Double(text.utf8.count) * 0.004 * 24_000))
        let tricky = Float(bitPattern: 0x3F44_4E45)
        return (0..<count).map { $0 % 500 == 250 ? tricky : Float(0.3 * sin(2 * Double.pi * 330 * Double($0) / 24_000)) }
    }

    private func received(_ bytes: [UInt8]) -> (String, Behaviour) {
        if bytes.count > 1024 { oversizedReads += 1 }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            invalidUTF8 += 1
            return ("", behaviour)
        }
        let stripped = text.trimmingCharacters(in: .whitespacesAndNewlines)
        texts.append(stripped)
        return (stripped, behaviour)
    }

    private func connected() { connections += 1 }

    /// Runs the server on a free loopback port for the duration of `body`.
    func run(_ body: @Sendable (_ port: Int) async throws -> Void) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 8)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        let port = server.channel.localAddress!.port!
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await server.executeThenClose { connections in
                    // Like the Python accept loop: one client at a time.
                    for try await connection in connections {
                        await self.connected()
                        try? await self.serve(connection)
                    }
                }
            }
            defer { group.cancelAll() }
            try await body(port)
        }
    }

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async throws {
        try await connection.executeThenClose { inbound, outbound in
            for try await buffer in inbound {
                // socket_server.py reads with recv(1024): bigger arrivals are several texts.
                var bytes = Array(buffer.readableBytesView)
                while !bytes.isEmpty {
                    let chunk = Array(bytes.prefix(1024))
                    bytes.removeFirst(chunk.count)
                    let (text, behaviour) = self.received(chunk)
                    guard !text.isEmpty else { return }  // the Python server fails on empty text and drops the client
                    try await Self.answer(Self.samples(for: text), behaviour: behaviour, outbound)
                }
            }
        }
    }

    private static func answer(_ samples: [Float], behaviour: Behaviour, _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        var bytes: [UInt8] = []
        for sample in samples { withUnsafeBytes(of: sample.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        // Writes of 2048 samples (the server's chunk size), each split after the first tricky
        // sample's `E N D` bytes, with pauses so that the client sees the pieces separately.
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + 2048 * 4)
            var pieces: [Range<Int>] = []
            let tricky = offset + 250 * 4
            if tricky + 3 < end { pieces = [offset..<tricky + 3, tricky + 3..<end] } else { pieces = [offset..<end] }
            for (index, piece) in pieces.enumerated() {
                var chunk = Array(bytes[piece])
                if piece.upperBound == bytes.count, behaviour == .normal { chunk += Array("END".utf8) }  // END rides with the last samples
                try await outbound.write(ByteBuffer(bytes: chunk))
                if index < pieces.count - 1 { try await Task.sleep(for: .milliseconds(15)) }
            }
            offset = end
        }
        if bytes.isEmpty, behaviour == .normal { try await outbound.write(ByteBuffer(string: "END")) }
    }
}
