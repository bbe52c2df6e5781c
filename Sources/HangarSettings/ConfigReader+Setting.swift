public import Configuration
import Foundation

/// Strict reads of one `Setting`: a value that is present but unusable throws `InvalidSetting`
/// naming what was wrong (swift-configuration's non-throwing getters would fall back to the
/// default without a word, and a typo would go unnoticed). Every value is read as text first,
/// so environment variables, flags and the config file's strings go through one parser with one
/// set of messages; a config file's numbers and booleans are read as what they are.
extension ConfigReader {
    /// The value as text, without surrounding blanks; empty means unset (`HANGAR_X=` in a shell
    /// or a compose file).
    public func text(_ setting: Setting) throws -> String? {
        let key = ConfigKey(setting.key)
        if let text = string(forKey: key, isSecret: setting.isSecret)?.trimmingCharacters(in: .whitespaces) { return text.isEmpty ? nil : text }
        // A config file's typed values.
        if let number = int(forKey: key) { return String(number) }
        if let number = double(forKey: key) { return String(number) }
        if let flag = bool(forKey: key) { return String(flag) }
        if let list = stringArray(forKey: key) { return list.joined(separator: ",") }
        do {
            _ = try requiredString(forKey: key, isSecret: setting.isSecret)
        } catch {
            // swift-configuration's "missing" error is internal to it: tell it by its words
            // (a test pins this, so a change in the library shows up there).
            if String(describing: error).hasPrefix("Missing required config value") { return nil }
            throw InvalidSetting(key: setting.key, problem: "has a value Hangar cannot read: \(error)")
        }
        return nil
    }

    public func int(_ setting: Setting) throws -> Int? {
        guard let text = try text(setting) else { return nil }
        guard let value = Int(text) else { throw InvalidSetting(key: setting.key, problem: "must be an integer, got '\(text)'") }
        return value
    }

    /// An integer within `range`, or `nil` when unset.
    public func int(_ setting: Setting, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = try text(setting) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw InvalidSetting(key: setting.key, problem: "must be an integer from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return value
    }

    /// A number within `range`, or `nil` when unset.
    public func double(_ setting: Setting, in range: ClosedRange<Double>) throws -> Double? {
        guard let text = try text(setting) else { return nil }
        guard let value = Double(text), range.contains(value) else {
            throw InvalidSetting(key: setting.key, problem: "must be a number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return value
    }

    /// A positive integer, or `nil` when unset.
    public func positiveInt(_ setting: Setting) throws -> Int? {
        guard let value = try int(setting) else { return nil }
        guard value > 0 else { throw InvalidSetting(key: setting.key, problem: "must be a positive number, got \(value)") }
        return value
    }

    public func double(_ setting: Setting) throws -> Double? {
        guard let text = try text(setting) else { return nil }
        guard let value = Double(text), value.isFinite else { throw InvalidSetting(key: setting.key, problem: "must be a number, got '\(text)'") }
        return value
    }

    /// `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`.
    public func bool(_ setting: Setting) throws -> Bool? {
        guard let text = try text(setting)?.lowercased() else { return nil }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw InvalidSetting(key: setting.key, problem: "must be true or false, got '\(text)'")
        }
    }

    /// `7d`, `12h`, `30m`, `45s`, `250ms` or plain seconds.
    public func duration(_ setting: Setting) throws -> Duration? {
        guard let text = try text(setting) else { return nil }
        guard let value = Duration(setting: text) else {
            throw InvalidSetting(key: setting.key, problem: "must be a duration such as 7d, 12h, 30m, 45s or 250ms, got '\(text)'")
        }
        return value
    }

    /// A comma-separated list (or a config file's array of strings), blanks dropped.
    public func list(_ setting: Setting) throws -> [String]? {
        guard let text = try text(setting) else { return nil }
        return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// One of `choices` (case-insensitive), returned lowercased.
    public func choice(_ setting: Setting, of choices: [String]) throws -> String? {
        guard let text = try text(setting)?.lowercased() else { return nil }
        guard choices.contains(text) else {
            let words = choices.count == 2 ? "\(choices[0]) or \(choices[1])" : choices.dropLast().joined(separator: ", ") + " or \(choices.last!)"
            throw InvalidSetting(key: setting.key, problem: "must be \(words), got '\(text)'")
        }
        return text
    }
}

extension Duration {
    /// `7d`, `12h`, `30m`, `45s`, `250ms` or plain seconds; `nil` for anything else.
    public init?(setting text: String) {
        let units: [(String, Double)] = [("ms", 0.001), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]
        // Up to about 300 years: beyond that nanoseconds no longer fit in 64 bits.
        func make(_ seconds: Double) -> Duration? {
            seconds >= 0 && seconds < 9e9 ? .nanoseconds(Int64(seconds * 1e9)) : nil
        }
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)), let duration = make(value * scale) {
                self = duration
                return
            }
        }
        guard let value = Double(text), let duration = make(value) else { return nil }
        self = duration
    }
}
