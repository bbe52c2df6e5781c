import Foundation

/// The settings table of docs/configuration.md, made from the catalogue so that it cannot
/// drift from what the code reads (`hangar settings` prints it; a test compares the doc).
public enum SettingsTable {
    public static func markdown(_ areas: [SettingsArea]) -> String {
        var lines: [String] = []
        for area in areas {
            lines.append("### `\(area.name)`")
            lines.append("")
            lines.append(area.summary)
            lines.append("")
            lines.append("| key | environment | flag | value | default | what it does |")
            lines.append("| --- | --- | --- | --- | --- | --- |")
            for setting in area.settings {
                var variables = ([setting.environment] + setting.aliases).map { "`\($0)`" }.joined(separator: ", then ")
                if setting.readsFile { variables += " (each also `_FILE`)" }
                let cells = [
                    "`\(area.name).\(setting.key)`", variables, setting.flag.map { "`\($0)`" } ?? "", setting.value,
                    setting.defaultValue, setting.help + (setting.isSecret ? " (secret: never logged)" : ""),
                ]
                lines.append("| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |")
            }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }
}
