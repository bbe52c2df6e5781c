import Foundation
import HangarAuth
import HangarCore
import HangarServer
import HangarTestSupport
import Hummingbird
import Testing

@Suite("API document")
struct OpenAPITests {
    @Test("/openapi.json documents exactly the routes the router serves")
    func routesMatchDocument() async throws {
        try await withTestStore(.sqlite) { store, _ in
            let router = buildRouter(
                store: store, registry: .standard, configuration: ServerConfiguration(), authenticator: try await Authenticator(store: store),
                vault: .testing, speech: .testing(), browser: .testing())
            let served = Set(
                router.routes.map { route in
                    let path = route.path.description.split(separator: "/").map { segment in
                        segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
                    }.joined(separator: "/")
                    return "\(route.method.rawValue) /\(path)"
                })
            let document = try JSONText.decode(String(decoding: try APIDocument.openAPI(), as: UTF8.self))
            var documented = Set<String>()
            for (path, item) in document["paths"]?.objectValue ?? [:] {
                for method in (item.objectValue ?? [:]).keys where ["get", "put", "post", "delete", "patch"].contains(method) {
                    documented.insert("\(method.uppercased()) \(path)")
                }
            }
            #expect(served.subtracting(documented).isEmpty, "served but not documented: \(served.subtracting(documented).sorted())")
            #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
            #expect(served.count > 15)
        }
    }
}
