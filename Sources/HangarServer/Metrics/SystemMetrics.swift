import Foundation
import HangarCore
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

enum ProcFiles {
    static func text(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func lines(_ path: String) -> [Substring] {
        (text(path) ?? "").split(separator: "\n")
    }

    static func trimmed(_ path: String) -> String? {
        text(path)?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `/proc/meminfo`-style `Key: value [kB]` lines, in bytes when the unit is kB.
    static func keyValues(_ path: String) -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        for line in lines(path) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let parts = line[line.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = parts.first, let value = UInt64(first) else { continue }
            result[String(line[..<colon])] = parts.count > 1 && parts[1] == "kB" ? value * 1024 : value
        }
        return result
    }
}

/// Builds each section's JSON.
struct SystemMetrics {
    let sampler: SystemSampler
    let dataDirectory: String

    static let gib = 1024.0 * 1024 * 1024

    static func round(_ value: Double, _ places: Double = 2) -> JSONValue {
        let scale = pow(10, places)
        return .double((value * scale).rounded() / scale)
    }

    static func gb(_ bytes: UInt64) -> JSONValue { Self.round(Double(bytes) / gib) }

    static func percent(_ part: Double, _ whole: Double) -> Double {
        whole > 0 ? min(100, max(0, part / whole * 100)) : 0
    }

    func all() async -> JSONValue {
        let (previous, current) = await sampler.pair()
        return [
            "timestamp": .string(Timestamp.format(Date())),
            "cpu": cpu(previous, current),
            "memory": memory(),
            "disk": disk(previous, current),
            "network": network(previous, current),
            "gpu": .array(Self.gpu().gpus),
            "load_average": load(),
            "swap": swap(),
            "system": system(),
        ]
    }

    // MARK: CPU

    func cpu() async -> JSONValue {
        let (previous, current) = await sampler.pair()
        return cpu(previous, current)
    }

    /// Busy share of the jiffies between two samples (idle = idle + iowait).
    static func usage(_ before: [UInt64]?, _ after: [UInt64]?) -> (busy: Double, user: Double, system: Double, idle: Double)? {
        guard let before, let after, before.count >= 4, after.count >= 4 else { return nil }
        let count = min(before.count, after.count, 8)  // user nice system idle iowait irq softirq steal
        let delta = (0..<count).map { after[$0] >= before[$0] ? Double(after[$0] - before[$0]) : 0 }
        let total = delta.reduce(0, +)
        guard total > 0 else { return (0, 0, 0, 100) }
        let idle = delta[3] + (count > 4 ? delta[4] : 0)
        return (
            percent(total - idle, total), percent(delta[0] + delta[1], total), percent(delta[2] + (count > 6 ? delta[5] + delta[6] : 0), total),
            percent(idle, total)
        )
    }

    func cpu(_ previous: SystemSampler.Counters, _ current: SystemSampler.Counters) -> JSONValue {
        let overall = Self.usage(previous.cpu["cpu"], current.cpu["cpu"])
        let cores = current.cpu.keys.filter { $0 != "cpu" }.sorted { Int($0.dropFirst(3)) ?? 0 < Int($1.dropFirst(3)) ?? 0 }
        let perCore: [JSONValue] = cores.map { Self.round(Self.usage(previous.cpu[$0], current.cpu[$0])?.busy ?? 0, 1) }
        let logical = max(cores.count, ProcessInfo.processInfo.activeProcessorCount)
        let frequency = Self.frequencyMHz()
        let celsius = Self.temperature()
        return [
            "usage_percent": Self.round(overall?.busy ?? 0, 1),
            "per_core_percent": .array(perCore),
            "times_percent": [
                "user": Self.round(overall?.user ?? 0, 1), "system": Self.round(overall?.system ?? 0, 1), "idle": Self.round(overall?.idle ?? 100, 1),
            ],
            "count": ["physical": Self.physicalCores().map { JSONValue.int(Int64($0)) } ?? .null, "logical": .int(Int64(logical))],
            "frequency_mhz": [
                "current": frequency.current.map { Self.round($0, 1) } ?? .null, "min": frequency.min.map { Self.round($0, 1) } ?? .null,
                "max": frequency.max.map { Self.round($0, 1) } ?? .null,
            ],
            "frequency_ghz": [
                "current": frequency.current.map { Self.round($0 / 1000) } ?? .null, "min": frequency.min.map { Self.round($0 / 1000) } ?? .null,
                "max": frequency.max.map { Self.round($0 / 1000) } ?? .null,
            ],
            "temperature_celsius": celsius.map { Self.round($0, 1) } ?? .null,
            "temperature_fahrenheit": celsius.map { Self.round($0 * 9 / 5 + 32, 1) } ?? .null,
            "load_average": load(),
        ]
    }

    static func physicalCores() -> Int? {
        var cores = Set<String>()
        var physical = "0"
        for line in ProcFiles.lines("/proc/cpuinfo") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            if parts[0] == "physical id" { physical = parts[1] }
            if parts[0] == "core id" { cores.insert("\(physical)/\(parts[1])") }
        }
        return cores.isEmpty ? nil : cores.count
    }

    static func frequencyMHz() -> (current: Double?, min: Double?, max: Double?) {
        let base = "/sys/devices/system/cpu/cpu0/cpufreq/"
        func khz(_ name: String) -> Double? { ProcFiles.trimmed(base + name).flatMap { Double($0) }.map { $0 / 1000 } }
        var current = khz("scaling_cur_freq")
        if current == nil {
            let values = ProcFiles.lines("/proc/cpuinfo").filter { $0.hasPrefix("cpu MHz") }
                .compactMap { $0.split(separator: ":").last.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) } }
            if !values.isEmpty { current = values.reduce(0, +) / Double(values.count) }
        }
        return (current, khz("cpuinfo_min_freq"), khz("cpuinfo_max_freq"))
    }

    /// The package (or hottest) thermal zone, else the first hwmon sensor; nil when the machine
    /// exposes none (containers, most VMs).
    static func temperature() -> Double? {
        let fm = FileManager.default
        var readings: [(type: String, celsius: Double)] = []
        for zone in (try? fm.contentsOfDirectory(atPath: "/sys/class/thermal")) ?? [] where zone.hasPrefix("thermal_zone") {
            guard let milli = ProcFiles.trimmed("/sys/class/thermal/\(zone)/temp").flatMap({ Double($0) }), milli > 0 else { continue }
            readings.append((ProcFiles.trimmed("/sys/class/thermal/\(zone)/type") ?? "", milli / 1000))
        }
        if let package = readings.first(where: { $0.type.contains("pkg") || $0.type.contains("cpu") }) { return package.celsius }
        if let hottest = readings.map(\.celsius).max() { return hottest }
        for monitor in ((try? fm.contentsOfDirectory(atPath: "/sys/class/hwmon")) ?? []).sorted() {
            let directory = "/sys/class/hwmon/\(monitor)"
            for file in ((try? fm.contentsOfDirectory(atPath: directory)) ?? []).sorted() where file.hasPrefix("temp") && file.hasSuffix("_input") {
                if let milli = ProcFiles.trimmed("\(directory)/\(file)").flatMap({ Double($0) }), milli > 0 { return milli / 1000 }
            }
        }
        return nil
    }

    // MARK: Memory, swap, load

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

    // MARK: Disk

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

    // MARK: Network

    func network() async -> JSONValue {
        let (previous, current) = await sampler.pair()
        return network(previous, current)
    }

    func network(_ previous: SystemSampler.Counters, _ current: SystemSampler.Counters) -> JSONValue {
        let seconds = max(0.001, (current.at - previous.at).seconds)
        typealias Field = KeyPath<SystemSampler.NetCounters, UInt64>
        func total(_ counters: [String: SystemSampler.NetCounters], _ field: Field) -> UInt64 { counters.values.reduce(0) { $0 + $1[keyPath: field] } }
        func rate(_ after: UInt64, _ before: UInt64) -> JSONValue { Self.round(Double(after >= before ? after - before : 0) / seconds, 1) }
        func io(_ c: SystemSampler.NetCounters) -> [String: JSONValue] {
            [
                "bytes_sent": .int(Int64(c.bytesSent)), "bytes_recv": .int(Int64(c.bytesRecv)), "packets_sent": .int(Int64(c.packetsSent)),
                "packets_recv": .int(Int64(c.packetsRecv)), "errin": .int(Int64(c.errIn)), "errout": .int(Int64(c.errOut)),
                "dropin": .int(Int64(c.dropIn)), "dropout": .int(Int64(c.dropOut)),
            ]
        }
        func speeds(_ now: SystemSampler.NetCounters, _ then: SystemSampler.NetCounters?) -> JSONValue {
            let then = then ?? now
            return [
                "bytes_sent_per_sec": rate(now.bytesSent, then.bytesSent), "bytes_recv_per_sec": rate(now.bytesRecv, then.bytesRecv),
                "packets_sent_per_sec": rate(now.packetsSent, then.packetsSent), "packets_recv_per_sec": rate(now.packetsRecv, then.packetsRecv),
            ]
        }
        let sumNow = SystemSampler.NetCounters(
            bytesRecv: total(current.network, \.bytesRecv), packetsRecv: total(current.network, \.packetsRecv), errIn: total(current.network, \.errIn),
            dropIn: total(current.network, \.dropIn), bytesSent: total(current.network, \.bytesSent), packetsSent: total(current.network, \.packetsSent),
            errOut: total(current.network, \.errOut), dropOut: total(current.network, \.dropOut))
        let sumThen = SystemSampler.NetCounters(
            bytesRecv: total(previous.network, \.bytesRecv), packetsRecv: total(previous.network, \.packetsRecv),
            errIn: total(previous.network, \.errIn), dropIn: total(previous.network, \.dropIn), bytesSent: total(previous.network, \.bytesSent),
            packetsSent: total(previous.network, \.packetsSent), errOut: total(previous.network, \.errOut), dropOut: total(previous.network, \.dropOut))
        let interfaces: [JSONValue] = current.network.keys.sorted().map { name in
            let base = "/sys/class/net/\(name)/"
            let flags = ProcFiles.trimmed(base + "flags").flatMap { Int($0.dropFirst(2), radix: 16) } ?? 0
            let speed = ProcFiles.trimmed(base + "speed").flatMap { Int64($0) }.flatMap { $0 > 0 ? JSONValue.int($0) : nil } ?? .null
            var object: [String: JSONValue] = [
                "name": .string(name), "isup": .bool(flags & 1 == 1), "speed_mbps": speed,
                "mtu": ProcFiles.trimmed(base + "mtu").flatMap { Int64($0) }.map { JSONValue.int($0) } ?? .null,
            ]
            object["io"] = .object(io(current.network[name]!))
            object["speeds"] = speeds(current.network[name]!, previous.network[name])
            return .object(object)
        }
        return [
            "io": .object(io(sumNow)), "speeds": speeds(sumNow, sumThen), "interfaces": .array(interfaces),
            "interval_seconds": Self.round(seconds, 3),
        ]
    }

    // MARK: GPU

    static let gpuQuery =
        "index,name,utilization.gpu,utilization.memory,memory.total,memory.used,memory.free,temperature.gpu,clocks.gr,clocks.mem,power.draw,power.limit"

    /// NVIDIA GPUs through `nvidia-smi` when it is on PATH.
    static func gpu() -> (available: Bool, detail: String?, gpus: [JSONValue]) {
        guard let tool = executable("nvidia-smi") else { return (false, "nvidia-smi not found", []) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["--query-gpu=\(gpuQuery)", "--format=csv,noheader,nounits"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return (false, "nvidia-smi failed to start: \(error)", [])
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return (false, "nvidia-smi exited with status \(process.terminationStatus)", []) }
        let gpus: [JSONValue] = String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            let f = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard f.count >= 12 else { return nil }
            func number(_ i: Int) -> JSONValue { Double(f[i]).map { Self.round($0) } ?? .null }
            let celsius = Double(f[7])
            return [
                "index": Int64(f[0]).map { JSONValue.int($0) } ?? .null, "name": .string(f[1]),
                "utilization": ["gpu_percent": number(2), "memory_percent": number(3)],
                "memory": ["total_mb": number(4), "used_mb": number(5), "free_mb": number(6)],
                "temperature_celsius": celsius.map { Self.round($0, 1) } ?? .null,
                "temperature_fahrenheit": celsius.map { Self.round($0 * 9 / 5 + 32, 1) } ?? .null,
                "clocks": ["graphics_mhz": number(8), "memory_mhz": number(9)],
                "power": ["usage_watts": number(10), "limit_watts": number(11)],
            ]
        }
        return (true, nil, gpus)
    }

    static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    // MARK: System

    static func uptimeSeconds() -> Double {
        ProcFiles.trimmed("/proc/uptime")?.split(separator: " ").first.flatMap { Double($0) } ?? ProcessInfo.processInfo.systemUptime
    }

    static func formatted(_ seconds: Double) -> String {
        let s = Int(seconds)
        return "\(s / 86400)d \(s % 86400 / 3600)h \(s % 3600 / 60)m"
    }

    static func bootTime() -> Date {
        if let line = ProcFiles.lines("/proc/stat").first(where: { $0.hasPrefix("btime ") }), let seconds = Double(line.dropFirst(6)) {
            return Date(timeIntervalSince1970: seconds)
        }
        return Date().addingTimeInterval(-uptimeSeconds())
    }

    static func processCount() -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { Int($0) != nil }.count
    }

    func system() -> JSONValue {
        let uptime = Self.uptimeSeconds()
        return [
            "uptime": ["seconds": .int(Int64(uptime)), "formatted": .string(Self.formatted(uptime))],
            "processes": ["total_count": .int(Int64(Self.processCount()))],
            "boot_time": .string(Timestamp.format(Self.bootTime())),
        ]
    }

    func info() -> JSONValue {
        let uptime = Self.uptimeSeconds()
        let status = ProcFiles.keyValues("/proc/self/status")
        var os = ProcessInfo.processInfo.operatingSystemVersionString
        for line in ProcFiles.lines("/etc/os-release") where line.hasPrefix("PRETTY_NAME=") {
            os = line.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        var name = utsname()
        uname(&name)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { bytes in String(decoding: bytes.prefix { byte in byte != 0 }, as: UTF8.self) }
        }
        return [
            "hostname": .string(ProcFiles.trimmed("/proc/sys/kernel/hostname") ?? ProcessInfo.processInfo.hostName),
            "os": .string(os),
            "kernel": .string(ProcFiles.trimmed("/proc/sys/kernel/osrelease") ?? field(name.release)),
            "architecture": .string(field(name.machine)),
            "uptime": ["seconds": .int(Int64(uptime)), "formatted": .string(Self.formatted(uptime))],
            "boot_time": .string(Timestamp.format(Self.bootTime())),
            "processes": ["total_count": .int(Int64(Self.processCount()))],
            "cpu_count": .int(Int64(ProcessInfo.processInfo.activeProcessorCount)),
            "hangar": [
                "version": .string(HangarVersion.current), "pid": .int(Int64(ProcessInfo.processInfo.processIdentifier)),
                "rss_bytes": status["VmRSS"].map { JSONValue.int(Int64($0)) } ?? .null,
                "threads": status["Threads"].map { JSONValue.int(Int64($0)) } ?? .null,
            ],
        ]
    }
}

extension ProcFiles {
    /// `/proc/vmstat`-style `key value` lines.
    static func keyValuesSpaced(_ path: String) -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        for line in lines(path) {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = UInt64(parts[1]) { result[String(parts[0])] = value }
        }
        return result
    }
}
