import Configuration
import Foundation
import HangarSettings
import Testing

@Suite("Settings: flags over environment over the config file, strict reads naming where a bad value came from")
struct SettingsTests {
    static let port = Setting("port", environment: "HANGAR_PORT", flag: "--port", value: "0–65535", default: "8000", help: "Port.")
    static let retention = Setting("retention", environment: "HANGAR_RETENTION", value: "duration", default: "7d", help: "Kept.")
    static let debug = Setting("debug", environment: "HANGAR_DEBUG_THING", value: "true/false", default: "false", help: "Debug.")
    static let perUser = Setting("ws.max_per_user", environment: "HANGAR_WS_MAX_PER_USER", value: "integer ≥ 1", default: "50", help: "Per user.")
    static let area = SettingsArea("http", summary: "HTTP.", settings: [port, retention, debug, perUser])

    func file(_ json: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-settings-\(UUID().uuidString).json").path
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("a flag wins over its environment variable, which wins over the config file; the legacy variable names are read")
    func precedence() async throws {
        let path = try file(#"{"http": {"port": 7000, "retention": "3d", "ws": {"max_per_user": 5}}}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let onlyFile = try await Settings(areas: [Self.area], environment: [:], file: path)
        #expect(try onlyFile.area("http") { try $0.int(Self.port) } == 7000)
        #expect(try onlyFile.area("http") { try $0.duration(Self.retention) } == .seconds(3 * 86_400))
        #expect(try onlyFile.area("http") { try $0.positiveInt(Self.perUser) } == 5)

        let environment = try await Settings(areas: [Self.area], environment: ["HANGAR_PORT": "7100", "HANGAR_WS_MAX_PER_USER": "9"], file: path)
        #expect(try environment.area("http") { try $0.int(Self.port) } == 7100)
        #expect(try environment.area("http") { try $0.positiveInt(Self.perUser) } == 9)
        #expect(try environment.area("http") { try $0.duration(Self.retention) } == .seconds(3 * 86_400), "what the environment leaves unset comes from the file")

        let flags = try await Settings(areas: [Self.area], flags: ["http.port": "7200"], environment: ["HANGAR_PORT": "7100"], file: path)
        #expect(try flags.area("http") { try $0.int(Self.port) } == 7200)
    }

    @Test("an alias is read when the setting's own variable is unset, reported by its name and listed as read")
    func aliases() async throws {
        let level = Setting("level", environment: "HANGAR_SECURITY_LEVEL", aliases: ["SECURITY_LEVEL"], value: "level", default: "moderate", help: "Level.")
        let area = SettingsArea("security", summary: "S.", settings: [level])
        let seed = try await Settings(areas: [area], environment: ["SECURITY_LEVEL": "strict"])
        #expect(try seed.area("security") { try $0.text(level) } == "strict")
        #expect(seed.source(of: "security.level") == "SECURITY_LEVEL")
        #expect(seed.aliasesRead.map(\.variable) == ["SECURITY_LEVEL"] && seed.aliasesRead.map(\.setting) == ["HANGAR_SECURITY_LEVEL"])
        let both = try await Settings(areas: [area], environment: ["SECURITY_LEVEL": "strict", "HANGAR_SECURITY_LEVEL": "lenient"])
        #expect(try both.area("security") { try $0.text(level) } == "lenient", "Hangar's own name wins")
        #expect(both.aliasesRead.isEmpty)
    }

    @Test("unset is nil (an empty variable too), so the caller's default applies; variables outside the catalogue are never read")
    func unset() async throws {
        let settings = try await Settings(areas: [Self.area], environment: ["HANGAR_PORT": "", "HTTP_DEBUG": "true", "HANGAR_UNLISTED_SETTING": "1"])
        #expect(try settings.area("http") { try $0.int(Self.port) } == nil)
        #expect(try settings.area("http") { try $0.bool(Self.debug) } == nil)
    }

    @Test("a bad value is reported by its source: the flag, the variable, or the key in the named file")
    func sources() async throws {
        let path = try file(#"{"http": {"port": "many", "debug": "perhaps"}}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        func failure(_ settings: Settings, _ read: @escaping (ConfigReader) throws -> Any?) -> String {
            do {
                _ = try settings.area("http", read)
                return "no error"
            } catch {
                return String(describing: error)
            }
        }
        let fromFlag = try await Settings(areas: [Self.area], flags: ["http.port": "x"], environment: ["HANGAR_PORT": "1"])
        #expect(failure(fromFlag) { try $0.int(Self.port) } == "--port must be an integer, got 'x'")
        let fromEnvironment = try await Settings(areas: [Self.area], environment: ["HANGAR_RETENTION": "forever"])
        #expect(failure(fromEnvironment) { try $0.duration(Self.retention) }.hasPrefix("HANGAR_RETENTION must be a duration"))
        let fromFile = try await Settings(areas: [Self.area], environment: [:], file: path)
        #expect(failure(fromFile) { try $0.int(Self.port) } == "http.port in \(path) must be an integer, got 'many'")
        #expect(failure(fromFile) { try $0.bool(Self.debug) } == "http.debug in \(path) must be true or false, got 'perhaps'")
    }

    @Test("a config file's numbers and booleans are read as what they are; a value of no readable type is an error, not a silent default")
    func fileTypes() async throws {
        let path = try file(#"{"http": {"port": 8080, "debug": true, "retention": 90, "ws": {"max_per_user": [1, 2]}}}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let settings = try await Settings(areas: [Self.area], environment: [:], file: path)
        #expect(try settings.area("http") { try $0.int(Self.port) } == 8080)
        #expect(try settings.area("http") { try $0.bool(Self.debug) } == true)
        #expect(try settings.area("http") { try $0.duration(Self.retention) } == .seconds(90))
        #expect(throws: InvalidSetting.self) { try settings.area("http") { try $0.positiveInt(Self.perUser) } }
    }

    @Test("a config file that names an unknown setting, is not an object, or is missing ends start-up naming the file")
    func badFiles() async throws {
        let typo = try file(#"{"http": {"prot": 1}}"#)
        let notObject = try file("[1, 2]")
        defer { for path in [typo, notObject] { try? FileManager.default.removeItem(atPath: path) } }
        await #expect(throws: InvalidSetting.self) { try await Settings(areas: [Self.area], environment: [:], file: typo) }
        do {
            _ = try await Settings(areas: [Self.area], environment: [:], file: typo)
        } catch {
            #expect(String(describing: error).contains("unknown setting 'http.prot'"))
        }
        await #expect(throws: InvalidSetting.self) { try await Settings(areas: [Self.area], environment: [:], file: notObject) }
        await #expect(throws: InvalidSetting.self) { try await Settings(areas: [Self.area], environment: [:], file: "/nonexistent/hangar.json") }
    }

    @Test("durations: units, plain seconds, and refusals (negative, unknown unit, beyond what nanoseconds hold)")
    func durations() {
        #expect(Duration(setting: "7d") == .seconds(7 * 86_400))
        #expect(Duration(setting: "12h") == .seconds(12 * 3_600))
        #expect(Duration(setting: "30m") == .seconds(1_800))
        #expect(Duration(setting: "45s") == .seconds(45))
        #expect(Duration(setting: "250ms") == .milliseconds(250))
        #expect(Duration(setting: "1.5") == .milliseconds(1_500))
        for bad in ["-1s", "forever", "5w", "", "1e300d", "nan"] { #expect(Duration(setting: bad) == nil, "\(bad)") }
    }

    @Test("the table has a row per setting, with every spelling")
    func table() {
        let table = SettingsTable.markdown([Self.area])
        #expect(table.contains("| `http.port` | `HANGAR_PORT` | `--port` | 0–65535 | 8000 | Port. |"))
        #expect(table.contains("`http.ws.max_per_user`"))
    }
}
