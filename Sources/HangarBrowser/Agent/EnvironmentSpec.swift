public import HangarCore

/// Which screen a task runs on: a Chromium over the DevTools Protocol (launched here, or a
/// running one at `devtools_url`), a Neko server, or a persistent session created earlier.
///
/// A Chromium binary path (`chromePath`) only ever comes from the operator's configuration
/// (`HANGAR_CHROME_PATH`, or a named environment in `HANGAR_BROWSER_ENVIRONMENTS`): a
/// request that could name one could make the server run any program.
public enum EnvironmentSpec: Sendable, Hashable {
    case cdp(chromePath: String?, devtoolsURL: String?)
    /// The password is resolved already (from the agent's secret `password_secret`).
    case neko(url: String, username: String, password: String)
    case session(id: String)

    /// `cdp`, `neko` or `session`.
    public var kind: String {
        switch self {
        case .cdp: "cdp"
        case .neko: "neko"
        case .session: "session"
        }
    }

    /// The agent config's `environment` before secrets and names are resolved.
    public enum Config: Sendable, Hashable {
        /// A local headless Chromium (nil), or a remote Chrome the tenant names.
        case cdp(devtoolsURL: String?)
        case neko(url: String, username: String, passwordSecret: String)
        /// An environment the operator defined (`HANGAR_BROWSER_ENVIRONMENTS`).
        case named(String)

        /// `"name"`, `{"name": "…"}`, `{"type": "cdp", "devtools_url"?}` or `{"type": "neko",
        /// "url", "username", "password_secret"}`; absent means a local headless Chromium.
        /// Shape only: where a URL may point is `BrowserPolicy`'s to decide.
        public static func parse(_ value: JSONValue?, field: String = "config.environment") throws(HangarError) -> Config {
            guard let value, !value.isNull else { return .cdp(devtoolsURL: nil) }
            if let name = value.stringValue { return try named(name, field: field) }
            guard case .object(let fields) = value else {
                throw HangarError.invalid(field: field, message: "must be an environment name or an object with a 'type'")
            }
            func string(_ key: String, required: Bool) throws(HangarError) -> String? {
                guard let item = fields[key], !item.isNull else {
                    if required { throw HangarError.invalid(field: "\(field).\(key)", message: "is required") }
                    return nil
                }
                guard let text = item.stringValue, !text.isEmpty, text.utf8.count <= 2048 else {
                    throw HangarError.invalid(field: "\(field).\(key)", message: "must be a non-empty string of at most 2048 bytes")
                }
                return text
            }
            if fields["chrome_path"] != nil {
                throw HangarError.invalid(
                    field: "\(field).chrome_path",
                    message: "cannot be set by a request: the operator chooses the browser binary (HANGAR_CHROME_PATH, or a named environment in "
                        + "HANGAR_BROWSER_ENVIRONMENTS)")
            }
            if let name = try string("name", required: false) { return try named(name, field: field + ".name") }
            switch fields["type"]?.stringValue ?? "cdp" {
            case "cdp":
                let devtools = try string("devtools_url", required: false)
                if let devtools, !(devtools.hasPrefix("http://") || devtools.hasPrefix("https://") || devtools.hasPrefix("ws://") || devtools.hasPrefix("wss://")) {
                    throw HangarError.invalid(field: "\(field).devtools_url", message: "must be an http(s) or ws(s) URL")
                }
                return .cdp(devtoolsURL: devtools)
            case "neko":
                let url = try string("url", required: true) ?? ""
                guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                    throw HangarError.invalid(field: "\(field).url", message: "must be the Neko server's http(s) URL")
                }
                return .neko(
                    url: url, username: try string("username", required: true) ?? "", passwordSecret: try string("password_secret", required: true) ?? "")
            default:
                throw HangarError.invalid(field: "\(field).type", message: "must be cdp or neko")
            }
        }

        private static func named(_ name: String, field: String) throws(HangarError) -> Config {
            guard NamedEnvironments.isValidName(name) else {
                throw HangarError.invalid(field: field, message: "must be an environment name (letters, digits, '-', '_', '.'; at most 64)")
            }
            return .named(name)
        }
    }
}

extension EnvironmentSpec: CustomStringConvertible {
    /// Never shows the Neko password.
    public var description: String {
        switch self {
        case .cdp(let path, let url): "cdp(\(url ?? path ?? "local chromium"))"
        case .neko(let url, let username, _): "neko(\(username)@\(url))"
        case .session(let id): "session(\(id))"
        }
    }
}
