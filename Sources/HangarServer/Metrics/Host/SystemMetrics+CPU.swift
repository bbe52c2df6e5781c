import Foundation
import HangarCore

// CPU sections of GET /api/v1/system/metrics.
extension SystemMetrics {
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
}
