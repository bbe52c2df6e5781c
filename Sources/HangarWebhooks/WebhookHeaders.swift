public import HangarCore

/// The headers a subscription adds to every delivery (seed 004's `headers`, such as a
/// receiver's `Authorization`). Stored as a sealed JSON object; checked when subscribing.
public enum WebhookHeaders {
    public static let maximumCount = 20
    public static let maximumValueBytes = 4096

    /// Names that belong to the connection (hop-by-hop, `Host`, the body's framing) or that
    /// Hangar sets itself (the signature, its id and time): a subscription cannot replace them.
    public static let reserved: Set<String> = [
        "host", "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer",
        "transfer-encoding", "upgrade", "expect", "content-length", "content-type", "content-encoding", "user-agent", "webhook-id",
        "webhook-timestamp", "webhook-signature",
    ]

    /// The headers of a request body's `headers` object, in name order, or what is wrong with
    /// them (the field, such as `headers.Host`, and why).
    public static func parse(_ value: JSONValue) -> Result<[(name: String, value: String)], Problem> {
        guard case .object(let fields) = value else { return .failure(Problem(field: "headers", message: "must be an object of header names to text values")) }
        guard fields.count <= maximumCount else { return .failure(Problem(field: "headers", message: "holds \(fields.count) headers; at most \(maximumCount)")) }
        var headers: [(name: String, value: String)] = []
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            let field = "headers.\(name)"
            guard !name.isEmpty, name.utf8.count <= 128, name.utf8.allSatisfy(isTokenByte) else {
                return .failure(Problem(field: field, message: "is not a valid header name"))
            }
            guard !reserved.contains(name.lowercased()) else {
                return .failure(Problem(field: field, message: "is set by Hangar or by the connection and cannot be given; not allowed: \(reserved.sorted().joined(separator: ", "))"))
            }
            guard let text = value.stringValue else { return .failure(Problem(field: field, message: "must be text")) }
            guard text.utf8.count <= maximumValueBytes, !text.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
                return .failure(Problem(field: field, message: "must be at most \(maximumValueBytes) bytes, without line breaks"))
            }
            headers.append((name, text))
        }
        return .success(headers)
    }

    public struct Problem: Error, Sendable {
        public var field: String
        public var message: String
    }

    /// The JSON text that is sealed and stored.
    public static func encode(_ headers: [(name: String, value: String)]) -> String {
        var object: [String: JSONValue] = [:]
        for header in headers { object[header.name] = .string(header.value) }
        return JSONText.encode(.object(object))
    }

    /// The stored JSON text back as headers, in name order; nothing when it is not an object.
    public static func decode(_ text: String) -> [(name: String, value: String)] {
        guard case .object(let fields)? = try? JSONText.decode(text) else { return [] }
        return fields.sorted(by: { $0.key < $1.key }).compactMap { name, value in value.stringValue.map { (name, $0) } }
    }

    /// RFC 9110 `token` characters.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
        default: return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
