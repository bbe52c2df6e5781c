/// One thing an operator can set, in every spelling it has: its key in a config file
/// (`<area>.<key>`), its environment variable, and the command-line flag when there is one.
/// The catalogue of these is the one source of the settings table in docs/configuration.md.
public struct Setting: Sendable, Hashable {
    /// Within its area (`port`, `s3.endpoint`); the config file nests it under the area's name.
    public var key: String
    /// `HANGAR_PORT`: the variable that set it before there was a config file, kept as it was.
    public var environment: String
    /// `--port`, for the few settings a command takes as a flag.
    public var flag: String?
    /// What it takes, in words (`integer ≥ 1`, `duration`, `true/false`).
    public var value: String
    /// The default, in words (`8000`, `unset`, `<data-dir>/blobs`).
    public var defaultValue: String
    public var help: String
    /// Never logged or shown (keys, passwords).
    public var isSecret: Bool
    /// Other variables read, in order, when `environment` is unset (`AWS_ACCESS_KEY_ID` for
    /// `HANGAR_S3_ACCESS_KEY_ID`): the names other tools already use for the same thing.
    public var aliases: [String]
    /// Each variable may also be given as `NAME_FILE`, a path whose content is the value
    /// (secrets mounted as files), checked right after `NAME` itself.
    public var readsFile: Bool

    public init(
        _ key: String, environment: String, aliases: [String] = [], readsFile: Bool = false, flag: String? = nil, value: String,
        default defaultValue: String, secret isSecret: Bool = false, help: String
    ) {
        self.key = key
        self.environment = environment
        self.aliases = aliases
        self.readsFile = readsFile
        self.flag = flag
        self.value = value
        self.defaultValue = defaultValue
        self.help = help
        self.isSecret = isSecret
    }
}

/// The settings of one part of Hangar (`http`, `database`, `blobs`, …): the reader the part is
/// given is scoped to this name.
public struct SettingsArea: Sendable {
    public var name: String
    public var summary: String
    public var settings: [Setting]

    public init(_ name: String, summary: String, settings: [Setting]) {
        self.name = name
        self.summary = summary
        self.settings = settings
    }
}

/// A value that cannot be used: `key` is the setting's key within its area until the
/// composition root, which knows where the value came from, names its source.
public struct InvalidSetting: Error, Sendable, CustomStringConvertible {
    public var key: String
    /// `must be a positive number, got '0'`
    public var problem: String

    public init(key: String, problem: String) {
        self.key = key
        self.problem = problem
    }

    public var description: String { "\(key) \(problem)" }
}
