import Foundation
import HangarCore

// System sections of GET /api/v1/system/metrics.
extension SystemMetrics {
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
