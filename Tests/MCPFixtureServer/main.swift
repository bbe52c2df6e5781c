import MCPFixtureTools
import MCP

// An MCP server over stdio for the tests: the fixture tools, until stdin closes.
let server = await FixtureTools.server(name: "fixture-stdio")
try await server.start(transport: StdioTransport())
await server.waitUntilCompleted()
