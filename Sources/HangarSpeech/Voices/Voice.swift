import Foundation

/// A voice from the registry (`voices.json`), in the seed's shape:
/// `{"instructor": {"ref_audio", "ref_text", "styles", "params": {"rate", "pitch"}}}`, plus
/// Hangar's optional `engine_voice` (the synthesiser's own voice name: an espeak-ng voice
/// such as `en-us+f3`, or the `voice` sent to an OpenAI-compatible server).
public struct Voice: Sendable, Equatable {
    public var id: String
    /// As written in the registry (absolute, or relative to the voices directory).
    public var refAudio: String?
    /// The reference audio's resolved path, inside the voices directory.
    public var refAudioPath: String?
    public var reference: WAVDecoder.Info?
    public var refText: String?
    public var styles: [String]
    public var params: SpeechParams
    public var engineVoice: String?
    public var createdAt: String?
    public var updatedAt: String?
    /// The default voice Hangar supplies when the registry has none of that name.
    public var isBuiltin: Bool

    public init(
        id: String,
        refAudio: String? = nil,
        refAudioPath: String? = nil,
        reference: WAVDecoder.Info? = nil,
        refText: String? = nil,
        styles: [String] = [],
        params: SpeechParams = .neutral,
        engineVoice: String? = nil,
        createdAt: String? = nil,
        updatedAt: String? = nil,
        isBuiltin: Bool = false
    ) {
        self.id = id
        self.refAudio = refAudio
        self.refAudioPath = refAudioPath
        self.reference = reference
        self.refText = refText
        self.styles = styles
        self.params = params
        self.engineVoice = engineVoice
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.isBuiltin = isBuiltin
    }

    public static func builtin(id: String) -> Voice {
        Voice(id: id, isBuiltin: true)
    }
}

/// Something wrong with one registry entry (or with the file, when `voiceID` is nil).
public struct VoiceIssue: Sendable, Equatable, Error, CustomStringConvertible {
    public var voiceID: String?
    /// The entry's field at fault (`ref_audio`, `params.rate`, …), when there is one.
    public var field: String?
    public var message: String

    public init(voiceID: String?, field: String?, message: String) {
        self.voiceID = voiceID
        self.field = field
        self.message = message
    }

    public var description: String { field.map { "\($0): \(message)" } ?? message }
}

/// Everything wrong with one entry.
public struct VoiceProblems: Error, Sendable, Equatable {
    public var issues: [VoiceIssue]
}
