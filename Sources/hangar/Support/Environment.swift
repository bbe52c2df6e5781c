import Foundation
import HangarCore

/// Flags win, then `HANGAR_*` environment variables, then defaults.
enum Environment {
    static func string(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    static func int(_ name: String) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text) else { throw HangarError.invalid(field: name, message: "must be an integer, got '\(text)'") }
        return value
    }
}

/// `7d`, `12h`, `30m`, `45s`, `250ms` or plain seconds.
func parseDuration(_ text: String, name: String) throws -> Duration {
    let units: [(String, Double)] = [("ms", 0.001), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]
    for (suffix, scale) in units where text.hasSuffix(suffix) {
        if let value = Double(text.dropLast(suffix.count)), value >= 0 { return .seconds(fractional: value * scale) }
    }
    if let value = Double(text), value >= 0 { return .seconds(fractional: value) }
    throw HangarError.invalid(field: name, message: "expected a duration such as 7d, 12h, 30m, 45s or 250ms, got '\(text)'")
}
