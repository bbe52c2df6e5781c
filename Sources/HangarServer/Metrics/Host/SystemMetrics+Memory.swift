import Foundation
import HangarCore

// Memory, swap, load sections of GET /api/v1/system/metrics.
extension SystemMetrics {
    func memory() -> JSONValue {
        let m = ProcFiles.keyValues("/proc/meminfo")
        let total = m["MemTotal"] ?? 0
        let free = m["MemFree"] ?? 0
        let available = m["MemAvailable"] ?? free
        let buffers = m["Buffers"] ?? 0
        let cached = (m["Cached"] ?? 0) + (m["SReclaimable"] ?? 0)
        let used = total >= free + buffers + cached ? total - free - buffers - cached : total - min(total, available)
        return [
            "total_gb": Self.gb(total), "available_gb": Self.gb(available), "used_gb": Self.gb(used), "free_gb": Self.gb(free),
            "usage_percent": Self.round(Self.percent(Double(total - min(total, available)), Double(total)), 1),
            "buffers_gb": Self.gb(buffers), "cached_gb": Self.gb(cached), "shared_gb": Self.gb(m["Shmem"] ?? 0),
            "total_bytes": .int(Int64(total)), "available_bytes": .int(Int64(available)), "used_bytes": .int(Int64(used)),
            "free_bytes": .int(Int64(free)),
        ]
    }

    func swap() -> JSONValue {
        let m = ProcFiles.keyValues("/proc/meminfo")
        let total = m["SwapTotal"] ?? 0
        let free = min(total, m["SwapFree"] ?? 0)
        let vm = ProcFiles.keyValuesSpaced("/proc/vmstat")
        let page = UInt64(max(1, sysconf(Int32(_SC_PAGESIZE))))
        return [
            "total_gb": Self.gb(total), "used_gb": Self.gb(total - free), "free_gb": Self.gb(free),
            "usage_percent": Self.round(Self.percent(Double(total - free), Double(total)), 1),
            "sin": .int(Int64((vm["pswpin"] ?? 0) * page)), "sout": .int(Int64((vm["pswpout"] ?? 0) * page)),
            "total_bytes": .int(Int64(total)), "used_bytes": .int(Int64(total - free)), "free_bytes": .int(Int64(free)),
        ]
    }

    func load() -> JSONValue {
        let parts = (ProcFiles.trimmed("/proc/loadavg") ?? "").split(separator: " ")
        func value(_ i: Int) -> JSONValue { parts.count > i ? Double(parts[i]).map { Self.round($0) } ?? .null : .null }
        return ["1m": value(0), "5m": value(1), "15m": value(2)]
    }
}
