import Foundation
import HangarCore
import Logging

/// The voice registry: `voices.json` in the voices directory (`YAP_VOICES_DIR`), in the
/// seed's shape. The file is the source of truth, so operators can edit it by hand: it is
/// re-read when its size, modification time or inode changes (checked every
/// `pollInterval` by `SpeechService.run`, and before any read that finds the last check
/// older than that), and on `reload()`. Invalid entries are reported and skipped; a file
/// that is not valid JSON (say, half-saved) is reported and the voices loaded before it stay.
/// Changes through the API re-read the file, change one entry and replace the file
/// atomically, keeping every other entry (invalid ones and unknown fields included) as written.
public actor VoiceRegistry {
    public nonisolated let directory: URL
    public nonisolated let fileURL: URL
    /// The voice used when a request names none (`YAP_SPK_DEFAULT`); built in when the file lacks it.
    public nonisolated let defaultVoiceID: String
    public nonisolated let pollInterval: Duration
    private let logger: Logger

    private var document: [String: JSONValue] = [:]
    private var voices: [String: Voice] = [:]
    private var issues: [VoiceIssue] = []
    private var loadedAt = Date()
    private var stamp: FileStamp?
    private var lastCheck = ContinuousClock.now
    private var validator: VoiceValidator
    private var warnedAboutDefault = false

    public struct Listing: Sendable {
        public var voices: [Voice]
        public var issues: [VoiceIssue]
        public var path: String
        public var loadedAt: Date
    }

    public struct ReloadReport: Sendable {
        public var changed: Bool
        public var voices: Int
        public var issues: [VoiceIssue]
        public var loadedAt: Date
    }

    /// One id's entry: usable, present but invalid, the built-in default, or absent.
    public enum Lookup: Sendable {
        case valid(Voice)
        case invalid(entry: JSONValue, issues: [VoiceIssue])
        case builtin(Voice)
        case missing
    }

    public init(
        directory: URL,
        defaultVoiceID: String = "default",
        pollInterval: Duration = .seconds(1),
        logger: Logger = Logger(label: "hangar.speech.voices")
    ) {
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let resolved = directory.standardizedFileURL.resolvingSymlinksInPath()
        self.directory = resolved
        self.fileURL = resolved.appendingPathComponent("voices.json")
        self.defaultVoiceID = defaultVoiceID
        self.pollInterval = pollInterval
        self.logger = logger
        var validator = VoiceValidator(directory: resolved)
        var initial = Loaded()
        initial.read(resolved.appendingPathComponent("voices.json"), validator: &validator, previous: nil)
        self.validator = validator
        self.document = initial.document
        self.voices = initial.voices
        self.issues = initial.issues
        self.stamp = initial.stamp
    }

    public func listing() -> Listing {
        refreshIfStale()
        var list = voices.values.sorted { $0.id < $1.id }
        if voices[defaultVoiceID] == nil { list.insert(.builtin(id: defaultVoiceID), at: 0) }
        return Listing(voices: list, issues: issues, path: fileURL.path, loadedAt: loadedAt)
    }

    public func lookup(_ id: String) -> Lookup {
        refreshIfStale()
        if let voice = voices[id] { return .valid(voice) }
        if let entry = document[id] { return .invalid(entry: entry, issues: issues.filter { $0.voiceID == id }) }
        return id == defaultVoiceID ? .builtin(.builtin(id: id)) : .missing
    }

    /// The voice to speak with: `id`, or the default when nil. An invalid or missing default
    /// falls back to the built-in one (and stays reported), so speech never stops for it.
    public func resolve(_ id: String?) throws -> Voice {
        let id = id ?? defaultVoiceID
        switch lookup(id) {
        case .valid(let voice), .builtin(let voice): return voice
        case .invalid(_, let issues) where id == defaultVoiceID:
            if !warnedAboutDefault {
                warnedAboutDefault = true
                logger.warning("default voice is invalid; using the built-in one", metadata: ["issues": "\(issues)"])
            }
            return .builtin(id: id)
        case .invalid(_, let issues):
            throw HangarError.invalid(
                field: "voice_id",
                message: "voice '\(id)' is invalid in voices.json: \(issues.map(\.description).joined(separator: "; "))"
            )
        case .missing:
            throw HangarError.invalid(field: "voice_id", message: "unknown voice '\(id)'")
        }
    }

    /// Re-reads the file now.
    @discardableResult
    public func reload() -> ReloadReport {
        let before = voices
        var loaded = Loaded()
        loaded.read(fileURL, validator: &validator, previous: (document, voices))
        apply(loaded)
        return ReloadReport(changed: before != voices, voices: voices.count, issues: issues, loadedAt: loadedAt)
    }

    /// Re-reads the file if it changed since it was last read; true if it did.
    @discardableResult
    public func reloadIfChanged() -> Bool {
        lastCheck = .now
        guard FileStamp.of(fileURL.path) != stamp else { return false }
        let report = reload()
        logger.info("voice registry reloaded", metadata: ["voices": "\(report.voices)", "issues": "\(report.issues.count)"])
        return true
    }

    private func refreshIfStale() {
        if ContinuousClock.now - lastCheck >= pollInterval { reloadIfChanged() }
    }

    private func apply(_ loaded: Loaded) {
        document = loaded.document
        voices = loaded.voices
        issues = loaded.issues
        stamp = loaded.stamp
        loadedAt = Date()
        warnedAboutDefault = false
        lastCheck = .now
    }

    /// Changes the file: re-read from disk, `change` one entry, write atomically, reload.
    func rewrite(_ change: (inout [String: JSONValue]) throws -> Void) throws {
        var current: [String: JSONValue] = [:]
        if let data = FileManager.default.contents(atPath: fileURL.path), !data.isEmpty {
            guard case .object(let object) = try? JSONText.decode(bytes: [UInt8](data)) else {
                throw HangarError.conflict("\(fileURL.path) is not a valid JSON object; fix or remove it before changing voices through the API")
            }
            current = object
        }
        try change(&current)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(JSONValue.object(current))
        data.append(0x0A)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try data.write(to: fileURL, options: .atomic)
        reload()
    }

    /// Validates an entry as it would be stored (for the API: 422 naming the field).
    func check(id: String, entry: JSONValue) throws -> Voice {
        switch validator.validate(id: id, entry: entry) {
        case .success(let voice): return voice
        case .failure(let problems):
            let first = problems.issues[0]
            throw HangarError.invalid(field: first.field ?? "voice", message: first.message)
        }
    }
}

/// The outcome of reading the file once.
private struct Loaded {
    var document: [String: JSONValue] = [:]
    var voices: [String: Voice] = [:]
    var issues: [VoiceIssue] = []
    var stamp: FileStamp?

    mutating func read(_ url: URL, validator: inout VoiceValidator, previous: (document: [String: JSONValue], voices: [String: Voice])?) {
        stamp = FileStamp.of(url.path)
        guard stamp != nil else { return }  // no file: no voices but the built-in default
        guard let data = FileManager.default.contents(atPath: url.path) else {
            keepPrevious(previous, "\(url.path) cannot be read; keeping the voices loaded before")
            return
        }
        guard let value = try? JSONText.decode(bytes: [UInt8](data)) else {
            keepPrevious(previous, "\(url.path) is not valid JSON; keeping the voices loaded before")
            return
        }
        guard case .object(let entries) = value else {
            keepPrevious(previous, "\(url.path) must hold a JSON object of voices; keeping the voices loaded before")
            return
        }
        document = entries
        for (id, entry) in entries.sorted(by: { $0.key < $1.key }) {
            switch validator.validate(id: id, entry: entry) {
            case .success(let voice): voices[id] = voice
            case .failure(let problems): issues += problems.issues
            }
        }
    }

    private mutating func keepPrevious(_ previous: (document: [String: JSONValue], voices: [String: Voice])?, _ message: String) {
        document = previous?.document ?? [:]
        voices = previous?.voices ?? [:]
        issues = [VoiceIssue(voiceID: nil, field: nil, message: message)]
    }
}
