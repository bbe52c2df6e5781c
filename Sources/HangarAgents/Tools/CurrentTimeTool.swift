import Foundation
import HangarCore

/// `current_time`: the time now, in UTC or a named time zone.
struct CurrentTimeTool: AgentTool {
    var spec: ToolSpec {
        ToolSpec(
            name: "current_time", description: "The current date and time. Optionally in an IANA time zone such as Europe/Paris.",
            parameters: [
                "type": "object",
                "properties": ["timezone": ["type": "string", "description": "IANA time zone name; UTC when omitted"]],
            ])
    }

    func call(_ arguments: JSONValue) async throws -> ToolOutput {
        let name = arguments["timezone"]?.stringValue ?? "UTC"
        guard let zone = TimeZone(identifier: name) else { return ToolOutput(text: "unknown time zone '\(name)'", isError: true) }
        let now = Date()
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = zone
        formatter.formatOptions = [.withInternetDateTime]
        let result: JSONValue = [
            "iso8601": .string(formatter.string(from: now)), "unix": .double((now.timeIntervalSince1970 * 1000).rounded() / 1000),
            "timezone": .string(name), "utc_offset_seconds": .int(Int64(zone.secondsFromGMT(for: now))),
        ]
        return ToolOutput(text: JSONText.encode(result))
    }
}
