import Foundation
import HangarErrorText
public import HangarCore

/// Browser environments the operator defines and tenants pick by name
/// (`"environment": "prod-chrome"`): the only way a task reaches a browser on a private
/// network, or a Chromium other than the server's default binary. Read from
/// `HANGAR_BROWSER_ENVIRONMENTS` (a JSON object, or `@/path/to/file.json`):
///
/// ```json
/// {"prod-chrome": {"type": "cdp", "devtools_url": "http://chrome.internal:9222"},
///  "chrome-beta": {"type": "cdp", "chrome_path": "/opt/chrome-beta/chrome"},
///  "lab-neko":    {"type": "neko", "url": "http://neko.internal:8080", "username": "admin",
///                  "password_file": "/run/secrets/neko"}}
/// ```
///
/// Every tenant may use every named environment; the URLs are the operator's and are not
/// subject to the network policy.
public struct NamedEnvironments: Sendable, Hashable {
    public private(set) var specs: [String: EnvironmentSpec]

    public init(_ specs: [String: EnvironmentSpec] = [:]) {
        self.specs = specs
    }

    public var names: [String] { specs.keys.sorted() }

    /// The remote endpoints (DevTools and Neko URLs) the operator named: Hangar connects to
    /// these directly, not through the egress proxy that tenants' endpoints go through.
    public var endpointURLs: Set<String> {
        Set(specs.values.compactMap { spec in
            switch spec {
            case .cdp(_, let url): url
            case .neko(let url, _, _): url
            case .session: nil
            }
        })
    }

    public subscript(name: String) -> EnvironmentSpec? { specs[name] }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) }
    }

    /// Parses the variable's value; errors name the variable and the entry.
    public static func parse(_ text: String, variable: String = "HANGAR_BROWSER_ENVIRONMENTS") throws(HangarError) -> NamedEnvironments {
        var source = text
        if text.hasPrefix("@") {
            let path = String(text.dropFirst())
            guard let data = FileManager.default.contents(atPath: path) else {
                throw HangarError.invalid(field: variable, message: "cannot read the file \(path)")
            }
            source = String(decoding: data, as: UTF8.self)
        }
        let json: JSONValue
        do {
            json = try JSONText.decode(source)
        } catch {
            throw HangarError.invalid(field: variable, message: "must be a JSON object of named environments (or @FILE): \(ErrorText.describe(error))")
        }
        guard case .object(let entries) = json else { throw HangarError.invalid(field: variable, message: "must be a JSON object of named environments") }
        var specs: [String: EnvironmentSpec] = [:]
        for (name, entry) in entries {
            let field = "\(variable).\(name)"
            guard isValidName(name) else { throw HangarError.invalid(field: field, message: "is not a valid name (letters, digits, '-', '_', '.')") }
            specs[name] = try spec(entry, field: field)
        }
        return NamedEnvironments(specs)
    }

    private static func spec(_ entry: JSONValue, field: String) throws(HangarError) -> EnvironmentSpec {
        guard case .object(let fields) = entry else { throw HangarError.invalid(field: field, message: "must be an object with a 'type'") }
        func string(_ key: String) throws(HangarError) -> String? {
            guard let value = fields[key], !value.isNull else { return nil }
            guard let text = value.stringValue, !text.isEmpty else { throw HangarError.invalid(field: "\(field).\(key)", message: "must be a non-empty string") }
            return text
        }
        switch try string("type") ?? "cdp" {
        case "cdp":
            let path = try string("chrome_path")
            let url = try string("devtools_url")
            if path != nil, url != nil { throw HangarError.invalid(field: field, message: "give chrome_path (launch) or devtools_url (attach), not both") }
            return .cdp(chromePath: path, devtoolsURL: url)
        case "neko":
            guard let url = try string("url") else { throw HangarError.invalid(field: "\(field).url", message: "is required") }
            guard let username = try string("username") else { throw HangarError.invalid(field: "\(field).username", message: "is required") }
            var password = try string("password")
            if let file = try string("password_file") {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw HangarError.invalid(field: "\(field).password_file", message: "cannot read \(file)")
                }
                password = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard let password else { throw HangarError.invalid(field: "\(field).password", message: "is required (or password_file)") }
            return .neko(url: url, username: username, password: password)
        case let other:
            throw HangarError.invalid(field: "\(field).type", message: "must be cdp or neko, not '\(other)'")
        }
    }
}
