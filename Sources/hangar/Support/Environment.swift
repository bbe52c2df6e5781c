import Foundation

/// The client commands' own variables (`HANGAR_URL`, `HANGAR_API_KEY`): where the server is
/// and who is calling, not settings of a server.
enum Environment {
    static func string(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }
}
