import Foundation
import HangarApp
import HangarAuth
import HangarCore
import HangarSettings
import HangarStore
import HangarTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@Suite("The composition root: one catalogue, documented; the application built from settings the way `serve` builds it")
struct CompositionRootTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("docs/configuration.md holds exactly the table the catalogue makes (regenerate with `swift run hangar settings`)")
    func documentedTable() throws {
        let document = try String(contentsOf: Self.root.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        let begin = try #require(document.range(of: "<!-- settings-table: begin -->\n"))
        let end = try #require(document.range(of: "<!-- settings-table: end -->"))
        #expect(String(document[begin.upperBound..<end.lowerBound]) == SettingsTable.markdown(SettingsCatalogue.areas))
    }

    @Test("every key and every environment variable names one setting")
    func unique() {
        var keys = Set<String>(), variables = Set<String>()
        for area in SettingsCatalogue.areas {
            for setting in area.settings {
                #expect(keys.insert("\(area.name).\(setting.key)").inserted, "\(area.name).\(setting.key) twice")
                #expect(variables.insert(setting.environment).inserted, "\(setting.environment) twice")
            }
        }
    }

    @Test("`serve`'s application from in-memory settings: its limits apply, its auth mode holds, it answers")
    func buildsFromSettings() async throws {
        try await withTestStore(.sqlite) { store, database in
            let settings = Settings(
                areas: SettingsCatalogue.areas,
                values: [
                    "http.port": "0", "http.max_body_bytes": "2048", "workers.count": "1", "database.data_dir": URL(fileURLWithPath: database.url).deletingLastPathComponent().path,
                ])
            let app = try await HangarServe.buildApplication(settings: settings, store: store, logger: Logger(label: "hangar.test"))
            try await app.test(.live) { client in
                let ready = try await client.execute(uri: "/api/v1/ready", method: .get)
                #expect(ready.status == .ok)
                // Authentication is on by default: a route that needs a key says 401.
                let agents = try await client.execute(uri: "/api/v1/agents", method: .get)
                #expect(agents.status == .unauthorized)
                // The body limit came from the settings (2048, not the default 1 MiB).
                let (id, secret, token) = APIKeyToken.generate()
                try await store.apiKeyInsert(
                    APIKey(id: id, tenantID: Tenant.defaultID, name: "t", role: .admin, secretHash: APIKeyToken.hash(secret), createdAt: Date()))
                let big = try await client.execute(
                    uri: "/api/v1/agents", method: .post, headers: [.contentType: "application/json", .authorization: "Bearer \(token)"],
                    body: ByteBuffer(string: String(repeating: " ", count: 4096)))
                #expect(big.status == .contentTooLarge)
            }
        }
    }

    @Test("a bad value in the settings is refused before the application is built, naming the key")
    func refusesBadSettings() async throws {
        try await withTestStore(.sqlite) { store, _ in
            for (values, says) in [
                (["http.auth": "none", "http.host": "0.0.0.0"], "http.auth none serves everyone as admin"),
                (["browser.chrome_path": "/nonexistent/chromium"], "browser.chrome_path must name an executable file"),
                (["speech.parallel": "0"], "speech.parallel must be an integer from 1 to 64"),
                (["blobs.s3.bucket": "b"], "HANGAR_S3_ACCESS_KEY_ID is not set: S3 needs credentials"),
            ] {
                do {
                    _ = try await HangarServe.buildApplication(
                        settings: Settings(areas: SettingsCatalogue.areas, values: values), store: store, logger: Logger(label: "hangar.test"))
                    Issue.record("built an application with \(values)")
                } catch {
                    #expect(String(describing: error).hasPrefix(says), "\(error)")
                }
            }
        }
    }
}
