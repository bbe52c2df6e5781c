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
/// The `process` area says how often the row is refreshed (a process silent for three
/// heartbeats is dead, and queued tasks for its sessions fail), where the internal listener
/// binds, and the address other processes use to reach it.
enum ProcessSetup {
    static func directory(
        id: String, kind: String, store: any ProcessStore, vault: SecretBox, settings: ProcessSettings, logger: Logger
    ) -> (ProcessDirectory, SessionDirectory) {
        let configuration = settings.directory
        let process = ProcessDirectory(id: id, kind: kind, store: store, configuration: configuration, logger: logger)
        let sessions = SessionDirectory(
            store: store, processID: id, liveWithin: configuration.ttl, internalKey: vault.derivedKey(purpose: SessionDirectory.keyPurpose))
        return (process, sessions)
    }

    static func internalListener(
        browser: BrowserServices, sessions: SessionDirectory, process: ProcessDirectory, speech: SpeechService? = nil, settings: ProcessSettings,
        logger: Logger
    ) -> any Service {
        buildInternalApplication(
            browser: browser, directory: sessions, configuration: ServerConfiguration(), host: settings.internalHost, port: settings.internalPort,
            advertise: settings.internalURL, speech: speech, logger: logger
        ) { url in
            logger.info("internal listener for browser sessions", metadata: ["url": .string(url)])
            await process.setInternalURL(url)
        }
    }
}
