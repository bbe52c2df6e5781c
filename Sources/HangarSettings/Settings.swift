public import Configuration
public import Foundation
import SystemPackage

/// A process's settings, read through one swift-configuration reader: command-line flags win,
/// then environment variables, then an optional JSON config file (`--config` /
/// `HANGAR_CONFIG_FILE`), then each setting's default. Every part of Hangar gets a reader
/// scoped to its area (`area(_:_:)`) and reads only its own settings from it.
///
/// Environment variables keep the names they had before the config file existed
/// (`HANGAR_PORT`, `CAPTURE_FPS`): the catalogue maps each key to its variable, so nothing an
/// operator set breaks.
public struct Settings: Sendable {
    public let reader: ConfigReader
    private let catalogue: [String: Setting]
    private let flagKeys: Set<String>
    /// The variable that gave each setting its value (`AWS_REGION` for `HANGAR_S3_REGION`), by
    /// the setting's own variable name.
    private let origins: [String: String]
    private let file: String?
    /// The keys the config file (or the in-memory values) holds.
    private let givenKeys: Set<String>

    /// `flags`: values the command line gave, by absolute key (`http.port`).
    public init(
        areas: [SettingsArea], flags: [String: String] = [:], environment: [String: String] = ProcessInfo.processInfo.environment,
        file: String? = nil
    ) async throws {
        let catalogue = Self.catalogue(areas)
        var variables: [String: String] = [:]
        var origins: [String: String] = [:]
        for setting in catalogue.values {
            if let (value, origin) = try Self.lookUp(setting, in: environment) {
                variables[setting.environment] = value
                origins[setting.environment] = origin
            }
        }
        let names = catalogue.mapValues(\.environment)
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "flags", values: Self.values(flags)),
            KeyMappingProvider(upstream: EnvironmentVariablesProvider(environmentVariables: variables)) { key in
                // A key outside the catalogue maps to no variable anyone sets.
                AbsoluteConfigKey([names[key.components.joined(separator: ".")] ?? "HANGAR_UNLISTED_SETTING"])
            },
        ]
        var givenKeys = Set<String>()
        if let file {
            givenKeys = try Self.checkKeys(of: file, against: catalogue)
            do {
                providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(file)))
            } catch {
                throw InvalidSetting(key: "config file \(file)", problem: "cannot be read: \(error)")
            }
        }
        self.reader = ConfigReader(providers: providers)
        self.catalogue = catalogue
        self.flagKeys = Set(flags.keys)
        self.origins = origins
        self.file = file
        self.givenKeys = givenKeys
    }

    /// Values by absolute key and nothing else: how tests build an application the way
    /// production does, without touching the process's environment.
    public init(areas: [SettingsArea], values: [String: String]) {
        let catalogue = Self.catalogue(areas)
        self.reader = ConfigReader(provider: InMemoryProvider(name: "values", values: Self.values(values)))
        self.catalogue = catalogue
        self.flagKeys = []
        self.origins = [:]
        self.file = nil
        self.givenKeys = Set(values.keys)
    }

    /// Reads one area's settings through a reader scoped to it. A bad value is reported by
    /// where it came from: `--port must be …`, `HANGAR_PORT must be …`, `http.port in
    /// hangar.json must be …`.
    public func area<T>(_ name: String, _ read: (ConfigReader) throws -> T) throws -> T {
        do {
            return try read(reader.scoped(to: ConfigKey(name)))
        } catch let invalid as InvalidSetting {
            throw InvalidSetting(key: source(of: "\(name).\(invalid.key)"), problem: invalid.problem)
        }
    }

    /// Settings read from another variable than their own (`SECURITY_LEVEL` for
    /// `HANGAR_SECURITY_LEVEL`, `AWS_REGION` for `HANGAR_S3_REGION`): a process logs each, so an
    /// operator sees which names it honoured.
    public var aliasesRead: [(variable: String, setting: String)] {
        origins.filter { $0.key != $0.value && $0.value != $0.key + "_FILE" }.map { (variable: $0.value, setting: $0.key) }
            .sorted { $0.variable < $1.variable }
    }

    /// Where the value of `key` (absolute) came from, in the words an operator would search for;
    /// for a value given nowhere (a required one missing), the variable that would set it.
    public func source(of key: String) -> String {
        guard let setting = catalogue[key] else { return key }
        if flagKeys.contains(key), let flag = setting.flag { return flag }
        if let origin = origins[setting.environment] { return origin }
        if givenKeys.contains(key) { return file.map { "\(key) in \($0)" } ?? key }
        return setting.environment
    }

    /// The first of the setting's variables that is set, each name checked as itself and then
    /// (for settings that allow it) as `NAME_FILE`. An empty value counts as unset.
    private static func lookUp(_ setting: Setting, in environment: [String: String]) throws -> (value: String, origin: String)? {
        for name in [setting.environment] + setting.aliases {
            if let value = environment[name], !value.trimmingCharacters(in: .whitespaces).isEmpty { return (value, name) }
            guard setting.readsFile, let path = environment[name + "_FILE"], !path.isEmpty else { continue }
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw InvalidSetting(key: name + "_FILE", problem: "names a file that cannot be read ('\(path)': \(error.localizedDescription))")
            }
            guard !text.isEmpty else { throw InvalidSetting(key: name + "_FILE", problem: "names an empty file ('\(path)')") }
            return (text, name + "_FILE")
        }
        return nil
    }

    private static func catalogue(_ areas: [SettingsArea]) -> [String: Setting] {
        var catalogue: [String: Setting] = [:]
        for area in areas {
            for setting in area.settings { catalogue["\(area.name).\(setting.key)"] = setting }
        }
        return catalogue
    }

    private static func values(_ values: [String: String]) -> [AbsoluteConfigKey: ConfigValue] {
        var result: [AbsoluteConfigKey: ConfigValue] = [:]
        for (key, value) in values { result[AbsoluteConfigKey(ConfigKey(key))] = ConfigValue(.string(value), isSecret: false) }
        return result
    }

    /// A misspelt key in a config file would otherwise be ignored without a word. Returns the
    /// file's keys.
    private static func checkKeys(of file: String, against catalogue: [String: Setting]) throws -> Set<String> {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw InvalidSetting(key: "config file \(file)", problem: "cannot be read: \(error.localizedDescription)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data), let top = object as? [String: Any] else {
            throw InvalidSetting(key: "config file \(file)", problem: "must be a JSON object of areas (such as {\"http\": {\"port\": 8000}})")
        }
        var unknown: [String] = []
        var known = Set<String>()
        func walk(_ object: [String: Any], prefix: String) {
            for (name, value) in object {
                let key = prefix.isEmpty ? name : "\(prefix).\(name)"
                if catalogue[key] != nil {
                    known.insert(key)
                    continue
                }
                if let nested = value as? [String: Any] { walk(nested, prefix: key) } else { unknown.append(key) }
            }
        }
        walk(top, prefix: "")
        if let first = unknown.sorted().first {
            throw InvalidSetting(key: "config file \(file)", problem: "names an unknown setting '\(first)' (docs/configuration.md lists them)")
        }
        return known
    }
}
