import Foundation
import HangarCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MCP
import MCPFixtureTools
import NIOCore

/// An MCP server over streamable HTTP (the SDK's stateful transport: answers come as SSE),
/// mounted on Hummingbird, with the fixture tools.
enum MCPHTTPFixture {
    static func run(_ body: @Sendable (_ url: String) async throws -> Void) async throws {
        let transport = StatefulHTTPServerTransport()
        let server = await FixtureTools.server(name: "fixture-http")
        try await server.start(transport: transport)
        let router = Router()
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let data = Data(try await request.body.collect(upTo: 4 << 20).readableBytesView)
            let response = await transport.handleRequest(
                MCP.HTTPRequest(method: request.method.rawValue, headers: headers, body: data.isEmpty ? nil : data, path: request.uri.path))
            var fields = HTTPFields()
            for (name, value) in response.headers { fields[HTTPField.Name(name)!] = value }
            let status = HTTPResponse.Status(code: response.statusCode)
            if case .stream(let stream, _) = response {
                return Response(
                    status: status, headers: fields,
                    body: ResponseBody { writer in
                        for try await chunk in stream { try await writer.write(ByteBuffer(bytes: chunk)) }
                        try await writer.finish(nil)
                    })
            }
            return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: response.bodyData ?? Data())))
        }
        router.post("/mcp", use: handler)
        router.get("/mcp", use: handler)
        router.delete("/mcp", use: handler)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(client.port!)/mcp")
        }
        await server.stop()
    }
}
