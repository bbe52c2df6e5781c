import Foundation
import HangarErrorText
import HangarCore
import Hummingbird
import NIOCore

/// A request's JSON object, with accessors that name the offending field when a value is
/// missing or of the wrong type. Bodies are read up to a size limit (413 beyond it).
///
/// Every route says which top-level fields it accepts: a field it does not know is a 422
/// naming it, never silently dropped (`{"tenant": "x"}` on a key must not land the key in the
/// caller's tenant unnoticed). Fields the seeds' clients send that Hangar has no use for are
/// listed as accepted where they are, and documented. Free-form objects (`input`, `config`,
/// `options`, `params`, …) are one field each; their contents are the route's to check.
struct JSONBody {
    let fields: [String: JSONValue]

    /// `accepting`: the route's top-level fields. `allowEmpty`: an empty body reads as `{}`
    /// (for routes whose body is optional).
    static func read(_ request: Request, limit: Int, accepting known: Set<String>, allowEmpty: Bool = false) async throws -> JSONBody {
        let body = try await readAny(request, limit: limit, allowEmpty: allowEmpty)
        try body.requireKnown(known)
        return body
    }

    /// Refuses the first field (in name order) that `known` does not list, naming it and the
    /// accepted ones.
    func requireKnown(_ known: Set<String>, prefix: String = "") throws {
        let unknown = fields.keys.filter { !known.contains($0) }.sorted()
        guard let first = unknown.first else { return }
        let others = unknown.count > 1 ? " (also unknown: \(unknown.dropFirst().joined(separator: ", ")))" : ""
        throw APIError.invalid(
            prefix + first, "is not a field of this request\(others); it accepts: \(known.sorted().joined(separator: ", "))")
    }

    /// The raw body, at most `limit` bytes: beyond it a 413 (at once when `Content-Length` says so).
    static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw APIError(.contentTooLarge, "request body of \(length) bytes exceeds the limit of \(limit) bytes")
        }
        var request = request
        do {
            return try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "request body exceeds the limit of \(limit) bytes")
        }
    }

    /// A body whose fields are checked elsewhere (a voice entry is validated as a whole).
    static func readAny(_ request: Request, limit: Int, allowEmpty: Bool = false) async throws -> JSONBody {
        try parse(try await collect(request, limit: limit), allowEmpty: allowEmpty)
    }

    /// A collected body as a JSON object.
    static func parse(_ buffer: ByteBuffer, allowEmpty: Bool = false) throws -> JSONBody {
        if buffer.readableBytes == 0, allowEmpty { return JSONBody(fields: [:]) }
        guard buffer.readableBytes > 0 else { throw APIError(.badRequest, "request body is empty; expected a JSON object") }
        let value: JSONValue
        do {
            value = try JSONText.decode(bytes: Array(buffer.readableBytesView), strict: true)
        } catch {
            throw APIError(.badRequest, "request body is not valid JSON: \(ErrorText.describe(error))")
        }
        guard case .object(let fields) = value else { throw APIError(.unprocessableContent, "request body must be a JSON object") }
        return JSONBody(fields: fields)
    }

    /// Present, even if `null`.
    func has(_ key: String) -> Bool { fields[key] != nil }

    func isNull(_ key: String) -> Bool { fields[key] == .null }

    func string(_ key: String, maxLength: Int = 100_000, prefix: String = "") throws -> String? {
        guard let value = fields[key], value != .null else { return nil }
        guard let text = value.stringValue else { throw APIError.invalid(prefix + key, "must be a string") }
        guard text.utf8.count <= maxLength else { throw APIError.invalid(prefix + key, "must be at most \(maxLength) bytes") }
        return text
    }

    func int(_ key: String, in range: ClosedRange<Int>, prefix: String = "") throws -> Int? {
        guard let value = fields[key], value != .null else { return nil }
        guard let number = value.intValue, range.contains(number) else {
            throw APIError.invalid(prefix + key, "must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    func double(_ key: String, in range: ClosedRange<Double>, prefix: String = "") throws -> Double? {
        guard let value = fields[key], value != .null else { return nil }
        guard let number = value.doubleValue, number.isFinite, range.contains(number) else {
            throw APIError.invalid(prefix + key, "must be a number from \(range.lowerBound.formatted()) to \(range.upperBound.formatted())")
        }
        return number
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = fields[key], value != .null else { return nil }
        guard let flag = value.boolValue else { throw APIError.invalid(key, "must be true or false") }
        return flag
    }

    func object(_ key: String) throws -> JSONValue? {
        guard let value = fields[key], value != .null else { return nil }
        guard case .object = value else { throw APIError.invalid(key, "must be a JSON object") }
        return value
    }
}

/// Query-string parameters with the same error reporting.
struct Query {
    let parameters: [String: String]

    init(_ request: Request) {
        var parameters: [String: String] = [:]
        // `%00` would reach PostgreSQL, which cannot hold it in text: such a value matches nothing.
        for (key, value) in request.uri.queryParameters { parameters[String(key)] = String(value).replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") }
        self.parameters = parameters
    }

    func string(_ key: String) -> String? {
        parameters[key].flatMap { $0.isEmpty ? nil : $0 }
    }

    func int(_ key: String, in range: ClosedRange<Int>, default value: Int) throws -> Int {
        guard let text = string(key) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError.invalid(key, "must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    func bool(_ key: String, default value: Bool) throws -> Bool {
        guard let text = string(key)?.lowercased() else { return value }
        switch text {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw APIError.invalid(key, "must be true or false")
        }
    }
}
