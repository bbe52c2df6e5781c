import Foundation
import HangarAuth
import HangarRuntime
import HangarServer
import HangarSpeech
import HangarStore
import Logging
import ServiceLifecycle

/// A process of a shared-database deployment: its row in the process directory, the session
/// owners it consults, and (when it hosts browser sessions) the internal listener the API
/// replicas forward session requests to.
///
/// - `HANGAR_PROCESS_HEARTBEAT` (default `5s`): how often the row is refreshed; a process
///   silent for three of these is dead, and queued tasks for its sessions fail.
/// - `HANGAR_INTERNAL_HOST` (default `127.0.0.1`), `HANGAR_INTERNAL_PORT` (default 0: any free
///   port): where the internal listener binds; `HANGAR_INTERNAL_URL`: the address other
///   processes use to reach it, when not `http://host:port` (another machine, a container).
enum ProcessSetup {
    static func directory(id: String, kind: String, store: any ProcessStore, vault: SecretBox, logger: Logger) throws -> (ProcessDirectory, SessionDirectory) {
        var configuration = ProcessDirectory.Configuration()
        if let text = Environment.string("HANGAR_PROCESS_HEARTBEAT") {
            let heartbeat = try parseDuration(text, name: "HANGAR_PROCESS_HEARTBEAT")
            guard heartbeat >= .milliseconds(100) else { throw StartupError("HANGAR_PROCESS_HEARTBEAT must be at least 100ms, got \(text)") }
            configuration = ProcessDirectory.Configuration(heartbeat: heartbeat)
        }
        let process = ProcessDirectory(id: id, kind: kind, store: store, configuration: configuration, logger: logger)
        let sessions = SessionDirectory(
            store: store, processID: id, liveWithin: configuration.ttl, internalKey: vault.derivedKey(purpose: SessionDirectory.keyPurpose))
        return (process, sessions)
    }

    static func internalListener(
        browser: BrowserServices, sessions: SessionDirectory, process: ProcessDirectory, speech: SpeechService? = nil, logger: Logger
    ) throws -> any Service {
        let host = Environment.string("HANGAR_INTERNAL_HOST") ?? "127.0.0.1"
        let port = try Environment.int("HANGAR_INTERNAL_PORT") ?? 0
        guard (0...65535).contains(port) else { throw StartupError("HANGAR_INTERNAL_PORT must be a TCP port (0 = any free port), got \(port)") }
        return buildInternalApplication(
            browser: browser, directory: sessions, configuration: ServerConfiguration(), host: host, port: port,
            advertise: Environment.string("HANGAR_INTERNAL_URL"), speech: speech, logger: logger
        ) { url in
            logger.info("internal listener for browser sessions", metadata: ["url": .string(url)])
            await process.setInternalURL(url)
        }
    }
}
