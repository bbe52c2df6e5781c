import Foundation
import HangarTimers

/// Host metrics read from the operating system (Linux `/proc` and `/sys`), in seed 004's
/// shapes. On other systems the files are absent and the values read as 0 or null.
///
/// Rates (CPU usage, disk and network throughput) need two samples. The sampler keeps the
/// previous request's counters: a request computes rates over the interval since then when
/// that interval is between 200 ms and 30 s; otherwise (first request, or a stale or too
/// recent baseline) it takes a fresh pair 200 ms apart. No background sampling runs.
actor SystemSampler {
    struct Counters: Sendable {
        var at: ContinuousClock.Instant
        var cpu: [String: [UInt64]]  // "cpu", "cpu0", … → jiffies per field
        var disks: [String: DiskCounters]
        var network: [String: NetCounters]
    }

    struct DiskCounters: Sendable {
        var reads: UInt64, readSectors: UInt64, readMs: UInt64
        var writes: UInt64, writeSectors: UInt64, writeMs: UInt64
    }

    struct NetCounters: Sendable {
        var bytesRecv: UInt64, packetsRecv: UInt64, errIn: UInt64, dropIn: UInt64
        var bytesSent: UInt64, packetsSent: UInt64, errOut: UInt64, dropOut: UInt64
    }

    static let minimumInterval: Duration = .milliseconds(200)
    static let maximumInterval: Duration = .seconds(30)

    private var baseline: Counters?

    /// The previous sample and the current one, at least `minimumInterval` apart.
    func pair() async -> (previous: Counters, current: Counters) {
        if let baseline {
            let age = ContinuousClock.now - baseline.at
            if age < Self.minimumInterval { try? await Timers.sleep(for: Self.minimumInterval - age) }
            if ContinuousClock.now - baseline.at <= Self.maximumInterval {
                let current = Self.read()
                self.baseline = current
                return (baseline, current)
            }
        }
        let first = Self.read()
        try? await Timers.sleep(for: Self.minimumInterval)
        let current = Self.read()
        baseline = current
        return (first, current)
    }

    static func read() -> Counters {
        Counters(at: .now, cpu: cpuTimes(), disks: diskCounters(), network: networkCounters())
    }

    static func cpuTimes() -> [String: [UInt64]] {
        var result: [String: [UInt64]] = [:]
        for line in ProcFiles.lines("/proc/stat") where line.hasPrefix("cpu") {
            let fields = line.split(separator: " ")
            guard let name = fields.first else { continue }
            result[String(name)] = fields.dropFirst().compactMap { UInt64($0) }
        }
        return result
    }

    /// Whole disks only (those under /sys/block), not partitions, loop or RAM devices.
    static func diskCounters() -> [String: DiskCounters] {
        var result: [String: DiskCounters] = [:]
        let blocks = Set((try? FileManager.default.contentsOfDirectory(atPath: "/sys/block")) ?? [])
        for line in ProcFiles.lines("/proc/diskstats") {
            let f = line.split(separator: " ")
            guard f.count >= 11 else { continue }
            let name = String(f[2])
            if name.hasPrefix("loop") || name.hasPrefix("ram") || (!blocks.isEmpty && !blocks.contains(name)) { continue }
            let n = f.map { UInt64($0) ?? 0 }
            result[name] = DiskCounters(reads: n[3], readSectors: n[5], readMs: n[6], writes: n[7], writeSectors: n[9], writeMs: n[10])
        }
        return result
    }

    static func networkCounters() -> [String: NetCounters] {
        var result: [String: NetCounters] = [:]
        for line in ProcFiles.lines("/proc/net/dev") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let n = line[line.index(after: colon)...].split(separator: " ").map { UInt64($0) ?? 0 }
            guard n.count >= 12 else { continue }
            result[name] = NetCounters(
                bytesRecv: n[0], packetsRecv: n[1], errIn: n[2], dropIn: n[3], bytesSent: n[8], packetsSent: n[9], errOut: n[10], dropOut: n[11])
        }
        return result
    }
}
