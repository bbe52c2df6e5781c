import Foundation
import HangarBrowser
import HangarCore
import Testing

/// A launched browser speaks DevTools over a pipe only: nothing in its process group listens
/// on TCP, so no other tenant's page or process can attach to it.
@Suite("Browser isolation: DevTools over a pipe", .serialized, .timeLimit(.minutes(5)))
struct DevToolsIsolationTests {
    @Test("a launched browser has no listening TCP socket; one started with a debugging port does (the check works)")
    func noListeningSocket() async throws {
        let env = try await CDPEnvironment.launch()
        do {
            // Load a page so the network service and renderers are up, too.
            try await env.navigate(to: "data:text/html,<title>pipe</title>")
            let group = try #require(env.process?.pid)
            #expect(processesInGroup(group).count > 1)
            // Nor does it hold one of ours: the egress proxy's listener is not inherited.
            #expect(listeningTCPPorts(ofGroup: group) == [])
        } catch {
            await env.close()
            throw error
        }
        await env.close()

        let legacy = try await ChromiumLauncher.withDebuggingPort.launch()
        do {
            let (port, _) = try await legacy.debuggingEndpoint()
            #expect(listeningTCPPorts(ofGroup: legacy.pid).contains(port))
        } catch {
            await legacy.terminate()
            throw error
        }
        await legacy.terminate()
    }

    @Test("two environments see only their own tabs, and a page cannot reach a browser that does listen")
    func environmentsAreSeparate() async throws {
        let first = try await CDPEnvironment.launch()
        let second = try await CDPEnvironment.launch()
        let legacy = try await ChromiumLauncher.withDebuggingPort.launch()
        do {
            try await first.navigate(to: "data:text/html,<title>tenant-a</title>")
            try await second.navigate(to: "data:text/html,<title>tenant-b</title>")
            #expect(try await pageTitles(first) == ["tenant-a"])
            #expect(try await pageTitles(second) == ["tenant-b"])
            for env in [first, second] {
                #expect(listeningTCPPorts(ofGroup: try #require(env.process?.pid)) == [])
            }
            // Even a browser that listens is out of reach of a page: the proxy refuses loopback.
            let (port, _) = try await legacy.debuggingEndpoint()
            let probe = try await second.evaluate(
                "fetch('http://127.0.0.1:\(port)/json/version').then(r => r.text(), () => 'blocked')")
            #expect(probe == "blocked")
        } catch {
            await first.close()
            await second.close()
            await legacy.terminate()
            throw error
        }
        await first.close()
        await second.close()
        await legacy.terminate()
    }

    /// Titles of the page targets the environment's own connection can see.
    private func pageTitles(_ env: CDPEnvironment) async throws -> [String] {
        let targets = try await env.tab.connection.send("Target.getTargets")["targetInfos"]?.arrayValue ?? []
        return targets.filter { $0["type"]?.stringValue == "page" }.compactMap { $0["title"]?.stringValue }
    }
}

/// TCP ports in LISTEN state whose socket belongs to a process of `group`: the socket inodes
/// from `/proc/PID/fd`, matched against `/proc/PID/net/tcp{,6}` (state `0A`).
func listeningTCPPorts(ofGroup group: pid_t) -> Set<Int> {
    var ports = Set<Int>()
    for pid in processesInGroup(group) {
        let fdDirectory = "/proc/\(pid)/fd"
        let inodes = Set(
            ((try? FileManager.default.contentsOfDirectory(atPath: fdDirectory)) ?? []).compactMap { entry -> String? in
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fdDirectory)/\(entry)"),
                    target.hasPrefix("socket:[")
                else { return nil }
                return String(target.dropFirst("socket:[".count).dropLast())
            })
        guard !inodes.isEmpty else { continue }
        for table in ["tcp", "tcp6"] {
            let text = (try? String(contentsOfFile: "/proc/\(pid)/net/\(table)", encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n").dropFirst() {
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
                let fields = line.split(separator: " ")
                guard fields.count > 9, fields[3] == "0A", inodes.contains(String(fields[9])) else { continue }
                if let port = fields[1].split(separator: ":").last.flatMap({ Int($0, radix: 16) }) { ports.insert(port) }
            }
        }
    }
    return ports
}
