import Foundation
import HangarCore

// Disk sections of GET /api/v1/system/metrics.
extension SystemMetrics {
    func disk() async -> JSONValue {
        let (previous, current) = await sampler.pair()
        return disk(previous, current)
    }

    static func usage(path: String) -> JSONValue? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        let block = UInt64(info.f_frsize)
        let total = UInt64(info.f_blocks) * block
        let free = UInt64(info.f_bavail) * block
        let used = total - min(total, UInt64(info.f_bfree) * block)
        return [
            "total_gb": Self.gb(total), "used_gb": Self.gb(used), "free_gb": Self.gb(free),
            "usage_percent": Self.round(Self.percent(Double(used), Double(used + free)), 1),
            "total_bytes": .int(Int64(total)), "used_bytes": .int(Int64(used)), "free_bytes": .int(Int64(free)),
        ]
    }

    /// Mounted file systems backed by storage (not proc, sysfs, cgroup and the like).
    static func mounts() -> [JSONValue] {
        let virtual: Set<String> = [
            "proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue", "debugfs", "tracefs", "securityfs", "pstore", "bpf", "configfs",
            "fusectl", "hugetlbfs", "autofs", "binfmt_misc", "nsfs", "rpc_pipefs", "devtmpfs", "selinuxfs", "efivarfs",
        ]
        var seen = Set<String>()
        var result: [JSONValue] = []
        for line in ProcFiles.lines("/proc/mounts") {
            let f = line.split(separator: " ")
            guard f.count >= 3 else { continue }
            let device = String(f[0]), mount = String(f[1]).replacingOccurrences(of: "\\040", with: " "), type = String(f[2])
            guard !virtual.contains(type), seen.insert(mount).inserted, case .object(var entry)? = Self.usage(path: mount) else { continue }
            guard entry["total_bytes"] != .int(0) else { continue }
            entry["mountpoint"] = .string(mount)
            entry["device"] = .string(device)
            entry["fstype"] = .string(type)
            result.append(.object(entry))
        }
        return result
    }

    func disk(_ previous: SystemSampler.Counters, _ current: SystemSampler.Counters) -> JSONValue {
        let seconds = max(0.001, (current.at - previous.at).seconds)
        func sum(_ disks: [String: SystemSampler.DiskCounters], _ field: KeyPath<SystemSampler.DiskCounters, UInt64>) -> UInt64 {
            disks.values.reduce(0) { $0 + $1[keyPath: field] }
        }
        func rate(_ field: KeyPath<SystemSampler.DiskCounters, UInt64>, scale: UInt64 = 1) -> JSONValue {
            let after = sum(current.disks, field), before = sum(previous.disks, field)
            return Self.round(Double(after >= before ? (after - before) * scale : 0) / seconds, 1)
        }
        return [
            "path": .string(dataDirectory),
            "usage": Self.usage(path: dataDirectory) ?? .null,
            "mounts": .array(Self.mounts()),
            "io": [
                "read_count": .int(Int64(sum(current.disks, \.reads))), "write_count": .int(Int64(sum(current.disks, \.writes))),
                "read_bytes": .int(Int64(sum(current.disks, \.readSectors) * 512)),
                "write_bytes": .int(Int64(sum(current.disks, \.writeSectors) * 512)),
                "read_time_ms": .int(Int64(sum(current.disks, \.readMs))), "write_time_ms": .int(Int64(sum(current.disks, \.writeMs))),
                "devices": .array(current.disks.keys.sorted().map { .string($0) }),
            ],
            "rates": [
                "read_bytes_per_sec": rate(\.readSectors, scale: 512), "write_bytes_per_sec": rate(\.writeSectors, scale: 512),
                "reads_per_sec": rate(\.reads), "writes_per_sec": rate(\.writes), "interval_seconds": Self.round(seconds, 3),
            ],
        ]
    }
}
