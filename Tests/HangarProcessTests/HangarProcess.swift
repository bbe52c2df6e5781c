import AsyncHTTPClient
import Foundation
import HangarCore
import NIOCore
import NIOHTTP1
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real `hangar` process, started from the binary `swift build` produced.
final class HangarProcess: @unchecked Sendable {
    let process = Process()
    let log: URL
    let port: Int?

    /// Every process of these tests accepts (servers) or sends (clients) this admin key.
    static let adminKey = "hgr_proctest_\(Identifier.leaseToken())"

    static func binary() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["HANGAR_BINARY"] { return URL(fileURLWithPath: path) }
        let candidates = [
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug/hangar"),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hangar"),
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw ProcessTestError("the hangar binary was not found (looked in \(candidates.map(\.path))); run `swift build` first")
        }
        return found
    }

    /// `cgroup`: a cgroup's `cgroup.procs` to start the process in (a shell joins it, then
    /// execs the server, so the server is charged from its first allocation).
    init(_ arguments: [String], port: Int? = nil, environment: [String: String] = [:], cgroup: String? = nil) throws {
        self.port = port
        log = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-proc-\(Identifier.leaseToken()).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        let command = [try Self.binary().path] + arguments + (port.map { ["--port", String($0)] } ?? [])
        if let cgroup {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "echo $$ > \"$0\" && exec \"$@\"", cgroup] + command
        } else {
            process.executableURL = URL(fileURLWithPath: command[0])
            process.arguments = Array(command.dropFirst())
        }
        var env = ProcessInfo.processInfo.environment
        env["HANGAR_LOG_LEVEL"] = "warning"
        env["HANGAR_ADMIN_KEY"] = Self.adminKey
        if env["HANGAR_SECRET_KEY"] == nil { env["HANGAR_SECRET_KEY"] = Data(repeating: 9, count: 32).base64EncodedString() }
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var baseURL: String { "http://127.0.0.1:\(port ?? 0)" }
    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// Waits until `/api/v1/ready` answers 200.
    func waitUntilReady(timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw ProcessTestError("hangar exited early:\n\(output)") }
            if let response = try? await HTTP.send(.GET, baseURL + "/api/v1/ready"), response.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ProcessTestError("hangar did not become ready:\n\(output)")
    }

    func kill(_ signal: Int32 = SIGKILL) {
        Glibc.kill(pid, signal)
        process.waitUntilExit()
    }

    func stop() {
        if process.isRunning { kill(SIGTERM) }
    }

    deinit {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
    }
}

struct ProcessTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A free TCP port on loopback.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw ProcessTestError("no free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

enum HTTP {
    struct Reply {
        var status: Int
        var json: JSONValue
        var headers: HTTPHeaders = [:]
    }

    /// Authenticated with the tests' admin key unless `key` names another.
    static func send(
        _ method: HTTPMethod, _ url: String, json: JSONValue? = nil, key: String = HangarProcess.adminKey, headers: [String: String] = [:]
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: JSONText.encode(json)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 32 << 20)
        return Reply(status: Int(response.status.code), json: (try? JSONText.decode(String(buffer: body))) ?? .null, headers: response.headers)
    }
}
