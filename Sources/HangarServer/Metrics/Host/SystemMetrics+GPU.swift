import Foundation
import HangarCore

// GPU sections of GET /api/v1/system/metrics.
extension SystemMetrics {
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
}
