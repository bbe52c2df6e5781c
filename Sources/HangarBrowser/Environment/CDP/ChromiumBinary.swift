import Foundation

/// Finds a Chromium-family binary: an explicit path, `HANGAR_CHROME_PATH`, `CHROME_PATH`, then
/// the usual names on `PATH`.
public enum ChromiumBinary {
    public static let names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]

    public static func locate(
        explicit: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> String {
        var candidates: [String] = []
        if let explicit, !explicit.isEmpty { candidates.append(explicit) }
        for variable in ["HANGAR_CHROME_PATH", "CHROME_PATH"] {
            if let value = environment[variable], !value.isEmpty { candidates.append(value) }
        }
        // An explicit or configured path that is wrong is an error, not a reason to guess.
        if let first = candidates.first {
            if isExecutable(first) { return first }
            throw ChromiumLaunchError.notFound(searched: [first])
        }
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for name in names {
            for directory in path.split(separator: ":") where !directory.isEmpty {
                let candidate = "\(directory)/\(name)"
                if isExecutable(candidate) { return candidate }
            }
        }
        throw ChromiumLaunchError.notFound(searched: names)
    }

    static func isExecutable(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && access(path, X_OK) == 0
    }
}
