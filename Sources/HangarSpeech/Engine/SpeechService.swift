import Foundation
import HangarCore
import HangarTimers
import Logging
import ServiceLifecycle

/// Hangar's speech: the engine, the voice registry and the streams in memory, behind the
/// operations the HTTP API offers. Run it as a `Service` beside the HTTP server: `run()`
/// watches `voices.json` for changes and expires old requests and idle sessions, and on
/// shutdown cancels all synthesis. Without `run()` everything still works; the registry
/// is then re-checked when read and expiry happens when streams are added.
public final class SpeechService: Service, Sendable {
    public let configuration: SpeechConfiguration
    public let engine: SpeechEngine
    public let voices: VoiceRegistry
    let directory: StreamDirectory
    let logger: Logger
    /// Told of each request or streaming session accepted (the process's metrics count them).
    let accepted: (@Sendable (SpeechStream.Kind) -> Void)?

    public init(
        configuration: SpeechConfiguration, synthesizer: (any SpeechSynthesizer)? = nil, logger: Logger = Logger(label: "hangar.speech"),
        accepted: (@Sendable (SpeechStream.Kind) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.accepted = accepted
        self.engine = SpeechEngine(configuration: configuration, synthesizer: synthesizer)
        self.voices = VoiceRegistry(
            directory: configuration.voicesDirectory,
            defaultVoiceID: configuration.defaultVoiceID,
            pollInterval: configuration.registryPollInterval,
            logger: logger
        )
        self.directory = StreamDirectory(limits: configuration.limits)
        self.logger = logger
    }

    public func run() async throws {
        logger.info(
            "speech ready",
            metadata: ["backend": "\(engine.synthesizer.name)", "voices": "\(voices.fileURL.path)", "parallel": "\(engine.parallel)"]
        )
        if let problem = await engine.synthesizer.readiness() { logger.warning("speech synthesiser not ready", metadata: ["reason": "\(problem)"]) }
        let interval = configuration.registryPollInterval
        await cancelWhenGracefulShutdown { [voices, directory] in
            while !Task.isCancelled {
                await voices.reloadIfChanged()
                await directory.sweep()
                try? await Timers.sleep(for: interval)
            }
        }
        await shutdown()
    }

    /// Cancels every request and session.
    public func shutdown() async {
        await directory.cancelAll()
    }

    func requireReady() async throws {
        if let problem = await engine.synthesizer.readiness() { throw SpeechError.unavailable(problem) }
    }

    static func makeID(_ prefix: String) -> String {
        prefix + Identifier.make().replacingOccurrences(of: "-", with: "")
    }

    /// What `GET /api/v1/tts/status` shows.
    public struct Status: Sendable {
        public var backend: String
        public var problem: String?
        public var format: AudioFormat
        public var parallel: Int
        public var peakParallel: Int
        public var requests: Int
        public var sessions: Int
        public var voicesFile: String
    }

    public func status() async -> Status {
        let counts = await directory.counts
        return Status(
            backend: engine.synthesizer.name,
            problem: await engine.synthesizer.readiness(),
            format: configuration.format,
            parallel: engine.parallel,
            peakParallel: engine.limiter.peakConcurrency,
            requests: counts.requests,
            sessions: counts.sessions,
            voicesFile: voices.fileURL.path
        )
    }
}
