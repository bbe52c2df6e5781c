import Foundation
import Glibc
import Testing

@testable import HangarSpeech

/// NIO's sockets are not close-on-exec, so a child could inherit the server's listener and
/// connections. espeak-ng (like MCP stdio servers) is started through Foundation's `Process`,
/// which on Linux closes every descriptor above 2 that the child was not given
/// (docs/operations.md); this holds it to that.
@Suite("Child processes inherit no server sockets")
struct ChildDescriptorTests {
    /// A listening TCP socket opened the way NIO opens one: without `SOCK_CLOEXEC`.
    private static func listener() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0 && listen(fd, 8) == 0)
        try #require(fcntl(fd, F_GETFD) & FD_CLOEXEC == 0, "the socket must be inheritable for the test to mean anything")
        return fd
    }

    @Test("a command run by ProcessRunner sees only its standard streams, not the server's listener")
    func processRunner() async throws {
        let fd = try Self.listener()
        defer { close(fd) }
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")
        #expect(target.hasPrefix("socket:["))
        let listing = FileManager.default.temporaryDirectory.appendingPathComponent("fds-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: listing) }
        // ProcessRunner keeps standard error only: `ls` lists its own descriptors there.
        let shell = try await ProcessRunner.run(
            executable: "/bin/sh", arguments: ["-c", "exec ls -l /proc/self/fd/ 1>&2"], standardError: listing, timeout: .seconds(10))
        #expect(shell.status == 0)
        let text = try String(contentsOf: listing, encoding: .utf8)
        #expect(text.contains("0 -> "), "the listing was captured: \(text)")
        #expect(!text.contains(target), "the child inherited the listener \(target):\n\(text)")
        let sockets = text.split(separator: "\n").filter { $0.contains("socket:[") }
        // Foundation keeps one socket of its own in the child (it learns of the exit by its closing).
        #expect(sockets.count <= 1, "sockets in the child:\n\(text)")
    }
}
