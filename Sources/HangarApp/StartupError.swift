/// A start-up or configuration problem, said in one line that names the setting to change.
/// (ArgumentParser follows a `ValidationError` with the top-level usage, which does not help
/// here.)
public struct StartupError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
