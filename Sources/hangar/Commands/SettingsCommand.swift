import ArgumentParser
import HangarApp
import HangarSettings

/// Prints every setting (docs/configuration.md holds the same table, and a test keeps them equal).
struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings", abstract: "Print every setting: its config-file key, environment variable, flag, default and meaning (Markdown).")

    func run() {
        print(SettingsTable.markdown(SettingsCatalogue.areas), terminator: "")
    }
}
