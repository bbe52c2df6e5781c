import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP client on loopback for protocol tests: bytes exactly as written, reads with
/// a 5 s timeout, so a test sees what a server really sends (and when it hangs up). One thread
/// may write while another reads (the kernel orders each direction), hence `@unchecked`.
final class RawSocket: @unchecked Sendable {
    private let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw RawSocketError.failed("socket") }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw RawSocketError.failed("connect")
        }
    }

    deinit { close(descriptor) }

    // The calls block (up to the 5 s timeout): each runs on a thread of its own, never on the
    // two-thread cooperative pool that the proxy's own tasks and the other tests need.

    func write(_ bytes: [UInt8]) async throws {
        try await Self.offPool { try self.writeBlocking(bytes) }
    }

    func read(_ count: Int) async -> [UInt8] {
        await Self.offPool { self.readBlocking(count) }
    }

    func isClosedByPeer() async -> Bool {
        await Self.offPool { self.isClosedByPeerBlocking() }
    }

    private static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    private static func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }

    func writeBlocking(_ bytes: [UInt8]) throws {
        let sent = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw RawSocketError.failed("send") }
    }

    /// Exactly `count` bytes, or fewer if the peer closed first (or 5 s passed).
    private func readBlocking(_ count: Int) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: count)
        while result.count < count {
            let got = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, count - result.count, 0) }
            guard got > 0 else { break }
            result += chunk[0..<got]
        }
        return result
    }

    /// True when the peer closed the connection (EOF) rather than sending or timing out.
    private func isClosedByPeerBlocking() -> Bool {
        var byte: UInt8 = 0
        return recv(descriptor, &byte, 1, 0) == 0
    }
}

enum RawSocketError: Error {
    case failed(String)
}
