import Foundation

/// Reads Linux `/proc` and `/sys` files; a missing file reads as empty.
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
