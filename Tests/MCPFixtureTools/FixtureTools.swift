public import MCP

/// The tools of the MCP servers the tests run (over stdio and over HTTP): `add` adds two
/// numbers, `word_count` counts words, `explode` always fails. Their answers are computed,
/// so a test can tell a real call from an invented one.
public enum FixtureTools {
    public static func server(name: String) async -> Server {
        let server = Server(name: name, version: "1.0", capabilities: .init(tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in
            ListTools.Result(tools: [
                Tool(
                    name: "add", description: "Add two numbers.",
                    inputSchema: .object([
                        "type": "object", "properties": .object(["a": .object(["type": "number"]), "b": .object(["type": "number"])]),
                        "required": .array(["a", "b"]),
                    ])),
                Tool(
                    name: "word_count", description: "Count the words of a text.",
                    inputSchema: .object(["type": "object", "properties": .object(["text": .object(["type": "string"])])])),
                Tool(name: "explode", description: "Always fails.", inputSchema: .object(["type": "object"])),
            ])
        }
        await server.withMethodHandler(CallTool.self) { params in
            switch params.name {
            case "add":
                let a = number(params.arguments?["a"]), b = number(params.arguments?["b"])
                guard let a, let b else { return .init(content: [.text(text: "a and b must be numbers", annotations: nil, _meta: nil)], isError: true) }
                return .init(content: [.text(text: "\(a + b)", annotations: nil, _meta: nil)], isError: false)
            case "word_count":
                let text = params.arguments?["text"]?.stringValue ?? ""
                return .init(content: [.text(text: "\(text.split(whereSeparator: \.isWhitespace).count)", annotations: nil, _meta: nil)], isError: false)
            default:
                return .init(content: [.text(text: "\(params.name) blew up on purpose", annotations: nil, _meta: nil)], isError: true)
            }
        }
        return server
    }

    static func number(_ value: Value?) -> Double? {
        switch value {
        case .int(let number)?: Double(number)
        case .double(let number)?: number
        case .string(let text)?: Double(text)
        default: nil
        }
    }
}
