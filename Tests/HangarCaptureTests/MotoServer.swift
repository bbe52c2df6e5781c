import Foundation
import HangarBlobs
import HangarTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real S3-compatible server for the tests: `moto_server` on a free loopback port, stopped
/// when the test ends. A missing `moto_server` fails the test (never a silent skip).
final class MotoServer: @unchecked Sendable {
    static let install = "pip install 'moto[server]'"
    let process = Process()
    let port: Int
    let log: URL

    var endpoint: URL { URL(string: "http://127.0.0.1:\(port)") ?? URL(fileURLWithPath: "/") }
    var configuration: S3Configuration {
        S3Configuration(
            endpoint: endpoint, region: "us-east-1", credentials: S3Credentials(accessKeyID: "testing", secretAccessKey: "testing"),
            retry: S3RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(50)))
    }

    init() async throws {
        guard let binary = which("moto_server") else {
            throw CaptureTestError("moto_server is not installed; the S3 tests need it. Install with: \(Self.install)")
        }
        port = try await WebhookReceiver.freePort()
        log = FileManager.default.temporaryDirectory.appendingPathComponent("moto-\(port).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-H", "127.0.0.1", "-p", String(port)]
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// Waits until the server accepts connections (moto needs 1–2 s).
    func waitUntilReady(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw CaptureTestError("moto_server exited: \(output)") }
            if Self.accepts(port: port) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CaptureTestError("moto_server did not start on port \(port): \(output)")
    }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// moto_server ignores SIGTERM (its werkzeug threads keep it alive): SIGINT first, then
    /// SIGKILL, polling rather than blocking a cooperative thread in `waitUntilExit`.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGINT)
        for _ in 0..<50 where process.isRunning { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for _ in 0..<100 where process.isRunning { usleep(20_000) }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: log)
    }

    /// Starts a server, runs `body` against it, stops it.
    static func with<T>(_ body: (MotoServer) async throws -> T) async throws -> T {
        let server = try await MotoServer()
        defer { server.stop() }
        try await server.waitUntilReady()
        return try await body(server)
    }

    private static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
