import Foundation
public import HangarCore

/// Reads the literals vision models write: Python's (`{'action': 'CLICK', 'value': None}`,
/// single or double quotes, `None`/`True`/`False`, tuples) and JSON's (`null`, `true`), into
/// `JSONValue`. ShowUI answers with `repr()` of a dict, which is not JSON, and other models
/// answer with JSON; one reader takes both. Never evaluates anything; nesting is bounded.
public struct PythonLiteral {
    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var offset: Int
        public var description: String { "\(message) at character \(offset)" }
    }

    private let chars: [Character]
    private var index = 0
    static let maxDepth = 32

    private init(_ text: Substring) { chars = Array(text) }

    /// The one literal that is all of `text` (surrounding whitespace allowed).
    public static func parse(_ text: String) throws(SyntaxError) -> JSONValue {
        var reader = PythonLiteral(Substring(text))
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.index == reader.chars.count else { throw reader.error("unexpected text after the value") }
        return value
    }

    /// Every top-level `{…}` literal in `text`, in order, skipping prose, code fences and
    /// braces that do not open a readable dict.
    public static func dicts(in text: String) -> [[String: JSONValue]] {
        var reader = PythonLiteral(Substring(text))
        var found: [[String: JSONValue]] = []
        var start = 0
        while start < reader.chars.count {
            guard let open = reader.chars[start...].firstIndex(of: "{") else { break }
            reader.index = open
            if case .object(let fields)? = try? reader.value(depth: 0) {
                found.append(fields)
                start = reader.index
            } else {
                start = open + 1
            }
        }
        return found
    }

    private func error(_ message: String) -> SyntaxError { SyntaxError(message: message, offset: index) }

    private mutating func skipSpace() {
        while index < chars.count, chars[index].isWhitespace { index += 1 }
    }

    private mutating func value(depth: Int) throws(SyntaxError) -> JSONValue {
        guard depth < Self.maxDepth else { throw error("nested too deeply") }
        skipSpace()
        guard index < chars.count else { throw error("unexpected end of text") }
        switch chars[index] {
        case "{": return try dict(depth: depth)
        case "[": return .array(try sequence(close: "]", depth: depth))
        case "(": return .array(try sequence(close: ")", depth: depth))
        case "'", "\"": return .string(try string())
        case "-", "+", ".", "0"..."9": return try number()
        default:
            let word = identifier()
            switch word {
            case "None", "null": return .null
            case "True", "true": return .bool(true)
            case "False", "false": return .bool(false)
            case "": throw error("unexpected character '\(chars[index])'")
            default: throw error("unknown name '\(word)'")
            }
        }
    }

    private mutating func dict(depth: Int) throws(SyntaxError) -> JSONValue {
        index += 1
        var fields: [String: JSONValue] = [:]
        while true {
            skipSpace()
            guard index < chars.count else { throw error("unterminated dict") }
            if chars[index] == "}" {
                index += 1
                return .object(fields)
            }
            let key: String
            if chars[index] == "'" || chars[index] == "\"" {
                key = try string()
            } else {
                // Some models leave keys bare (`{action: 'CLICK'}`).
                key = identifier()
                guard !key.isEmpty else { throw error("expected a key") }
            }
            skipSpace()
            guard index < chars.count, chars[index] == ":" else { throw error("expected ':' after key '\(key)'") }
            index += 1
            fields[key] = try value(depth: depth + 1)
            skipSpace()
            guard index < chars.count else { throw error("unterminated dict") }
            if chars[index] == "," {
                index += 1
            } else if chars[index] != "}" {
                throw error("expected ',' or '}'")
            }
        }
    }

    private mutating func sequence(close: Character, depth: Int) throws(SyntaxError) -> [JSONValue] {
        index += 1
        var items: [JSONValue] = []
        while true {
            skipSpace()
            guard index < chars.count else { throw error("unterminated list") }
            if chars[index] == close {
                index += 1
                return items
            }
            items.append(try value(depth: depth + 1))
            skipSpace()
            guard index < chars.count else { throw error("unterminated list") }
            if chars[index] == "," {
                index += 1
            } else if chars[index] != close {
                throw error("expected ',' or '\(close)'")
            }
        }
    }

    private mutating func string() throws(SyntaxError) -> String {
        let quote = chars[index]
        index += 1
        var result = ""
        while index < chars.count {
            let char = chars[index]
            index += 1
            if char == quote { return result }
            guard char == "\\" else {
                result.append(char)
                continue
            }
            guard index < chars.count else { break }
            let escaped = chars[index]
            index += 1
            switch escaped {
            case "n": result.append("\n")
            case "t": result.append("\t")
            case "r": result.append("\r")
            case "0": result.append("\0")
            case "u":
                guard index + 4 <= chars.count, let code = UInt32(String(chars[index..<index + 4]), radix: 16) else {
                    throw error("bad \\u escape")
                }
                index += 4
                result.unicodeScalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            default: result.append(escaped)  // \\ \' \" and anything else stand for themselves
            }
        }
        throw error("unterminated string")
    }

    private mutating func number() throws(SyntaxError) -> JSONValue {
        let start = index
        if chars[index] == "-" || chars[index] == "+" { index += 1 }
        while index < chars.count, chars[index].isNumber || "._eE".contains(chars[index])
            || ((chars[index] == "-" || chars[index] == "+") && "eE".contains(chars[index - 1]))
        {
            index += 1
        }
        let text = String(chars[start..<index]).replacingOccurrences(of: "_", with: "")
        if let int = Int64(text) { return .int(int) }
        if let double = Double(text), double.isFinite { return .double(double) }
        index = start
        throw error("bad number '\(text)'")
    }

    private mutating func identifier() -> String {
        let start = index
        while index < chars.count, chars[index].isLetter || chars[index].isNumber || chars[index] == "_" { index += 1 }
        return String(chars[start..<index])
    }
}
