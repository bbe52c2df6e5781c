import Foundation
import HangarBrowser
import HangarCore
import Testing

/// Launching over the DevTools pipe: an early exit and a silent browser are clear errors, and
/// the pipe's descriptors are closed on our side when the browser goes.
@Suite("Chromium launch over the DevTools pipe", .timeLimit(.minutes(2)))
struct ChromiumLaunchTests {
    /// A stand-in "browser": a shell script with `body`.
    static func fakeBrowser(_ body: String) throws -> String {
        let path = NSTemporaryDirectory() + "/hangar-fake-chromium-\(UUID().uuidString).sh"
        try "#!/bin/sh\n\(body)\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    @Test("a browser that exits before answering fails the launch with its status and log")
    func exitedEarly() async throws {
        let script = try Self.fakeBrowser("echo 'cannot open shared object libnss3.so' >&2\nexit 3")
        defer { try? FileManager.default.removeItem(atPath: script) }
        do {
            _ = try await ChromiumLauncher(executablePath: script).launch()
            Issue.record("expected exitedEarly")
        } catch ChromiumLaunchError.exitedEarly(let status, let log) {
            #expect(status == 3 << 8)
            #expect(log.contains("libnss3.so"))
        }
    }

    @Test("a browser that never answers on the pipe fails the launch after startTimeout")
    func unresponsive() async throws {
        let script = try Self.fakeBrowser("echo started >&2\nexec sleep 60")
        defer { try? FileManager.default.removeItem(atPath: script) }
        do {
            _ = try await ChromiumLauncher(executablePath: script, startTimeout: .milliseconds(500)).launch()
            Issue.record("expected devToolsUnresponsive")
        } catch ChromiumLaunchError.devToolsUnresponsive(let seconds, _, let log) {
            #expect(seconds == 0.5 && log.contains("started"))
        }
    }

    @Test("our ends of the browser's fd 3 and 4 are open while it runs and closed after")
    func pipeClosed() async throws {
        let env = try await CDPEnvironment.launch()
        let pid = try #require(env.process?.pid)
        let pipes = [3, 4].compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)") }
        #expect(pipes.count == 2 && pipes.allSatisfy { $0.hasPrefix("pipe:[") })
        #expect(Set(pipes).isSubset(of: Self.ownDescriptorTargets()))
        await env.close()
        #expect(Set(pipes).isDisjoint(with: Self.ownDescriptorTargets()))
    }

    /// What each of this process's descriptors points at (`pipe:[inode]`, `socket:[inode]`, paths).
    static func ownDescriptorTargets() -> Set<String> {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return Set(entries.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)") })
    }
}
