import Foundation
import HangarCore
import HangarTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

/// Host metrics read on this (Linux) machine must be sane and agree with /proc.
@Suite("System metrics")
struct SystemMetricsTests {
    static func procMemTotalBytes() throws -> Int64 {
        let text = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("MemTotal:") })
        return try #require(Int64(line.split(separator: " ")[1])) * 1024
    }

    static func percent(_ value: JSONValue?) -> Bool {
        guard let number = value?.doubleValue else { return false }
        return (0...100).contains(number)
    }

    @Test("memory, cpu, load, swap, info agree with the OS")
    func sections() async throws {
        try await withAPI(workers: false) { client, _ in
            let memory = try await client.send(.get, "/api/v1/system/metrics/memory")
            #expect(memory.status == .ok)
            let procTotal = try Self.procMemTotalBytes()
            #expect(memory.json["total_bytes"]?.intValue.map { Int64($0) } == procTotal)
            #expect((memory.json["total_gb"]?.doubleValue ?? 0) > 0)
            #expect(Self.percent(memory.json["usage_percent"]))

            let cpu = try await client.send(.get, "/api/v1/system/metrics/cpu").json
            #expect(Self.percent(cpu["usage_percent"]))
            let cores = cpu["per_core_percent"]?.arrayValue ?? []
            #expect(cores.count >= 1)
            #expect(cores.allSatisfy { Self.percent($0) })
            #expect((cpu["count"]?["logical"]?.intValue ?? 0) >= 1)
            for key in ["user", "system", "idle"] { #expect(Self.percent(cpu["times_percent"]?[key]), "\(key)") }
            #expect(cpu["temperature_celsius"] != nil)  // a number, or null where the machine exposes none

            let load = try await client.send(.get, "/api/v1/system/metrics/load").json
            for key in ["1m", "5m", "15m"] { #expect((load[key]?.doubleValue ?? -1) >= 0, "\(key)") }

            let swap = try await client.send(.get, "/api/v1/system/metrics/swap").json
            #expect((swap["total_bytes"]?.intValue ?? -1) >= (swap["used_bytes"]?.intValue ?? .max))
            #expect(Self.percent(swap["usage_percent"]))

            let info = try await client.send(.get, "/api/v1/system/info").json
            #expect((info["uptime"]?["seconds"]?.intValue ?? 0) > 0)
            #expect((info["processes"]?["total_count"]?.intValue ?? 0) >= 1)
            #expect(info["hostname"]?.stringValue?.isEmpty == false)
            #expect(info["kernel"]?.stringValue?.isEmpty == false)
            #expect(info["boot_time"]?.stringValue != nil)
            #expect((info["hangar"]?["rss_bytes"]?.intValue ?? 0) > 0)
            #expect(info["hangar"]?["version"] != nil)
        }
    }

    @Test("disk and network: totals ≥ free, lo listed, rates non-negative (twice: fresh pair, then since the last request)")
    func rates() async throws {
        try await withAPI(workers: false) { client, _ in
            for _ in 0..<2 {
                let disk = try await client.send(.get, "/api/v1/system/metrics/disk").json
                let usage = try #require(disk["usage"])
                #expect((usage["total_bytes"]?.intValue ?? 0) > 0)
                #expect((usage["total_bytes"]?.intValue ?? 0) >= (usage["free_bytes"]?.intValue ?? .max))
                for (key, value) in disk["rates"]?.objectValue ?? [:] { #expect((value.doubleValue ?? -1) >= 0, "\(key)") }
                #expect((disk["io"]?["read_bytes"]?.intValue ?? -1) >= 0)

                let network = try await client.send(.get, "/api/v1/system/metrics/network").json
                let names = (network["interfaces"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
                #expect(names.contains("lo"))
                for (key, value) in network["speeds"]?.objectValue ?? [:] { #expect((value.doubleValue ?? -1) >= 0, "\(key)") }
                #expect((network["interval_seconds"]?.doubleValue ?? 0) >= 0.2)
            }
        }
    }

    @Test("GPU answers 200; without nvidia-smi, available is false with a reason; the summary has every section")
    func gpuAndSummary() async throws {
        try await withAPI(workers: false) { client, _ in
            // Seed 004's shape: an array its client iterates; Hangar's object behind ?status=true.
            let list = try await client.send(.get, "/api/v1/system/metrics/gpu")
            #expect(list.status == .ok && list.json.arrayValue != nil, "\(list.text)")
            let gpu = try await client.send(.get, "/api/v1/system/metrics/gpu?status=true")
            #expect(gpu.status == .ok)
            #expect(gpu.json["gpus"]?.arrayValue?.count == list.json.arrayValue?.count)
            let hasNvidiaSMI = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
                .contains { FileManager.default.isExecutableFile(atPath: "\($0)/nvidia-smi") }
            if !hasNvidiaSMI {
                #expect(gpu.json["available"] == false)
                #expect(gpu.json["detail"] == "nvidia-smi not found")
            }
            let all = try await client.send(.get, "/api/v1/system/metrics")
            #expect(all.status == .ok)
            for key in ["timestamp", "cpu", "memory", "disk", "network", "gpu", "load_average", "swap", "system"] {
                #expect(all.json[key] != nil, "missing \(key)")
            }
            #expect((all.json["system"]?["uptime"]?["seconds"]?.intValue ?? 0) > 0)
        }
    }
}
