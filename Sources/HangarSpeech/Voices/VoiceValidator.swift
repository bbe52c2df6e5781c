import Foundation
import HangarErrorText
import HangarCore

/// Checks one registry entry and turns it into a `Voice`, collecting every problem (an
/// invalid entry is reported and skipped; it never stops the others from loading).
/// Reference files are read once per version (size, time, inode), not on every reload.
struct VoiceValidator {
    /// The voices directory, symlinks resolved.
    let directory: URL
    private var inspected: [String: (stamp: FileStamp, result: Result<WAVDecoder.Info, VoiceIssue>)] = [:]

    init(directory: URL) {
        self.directory = directory
    }

    static let reservedIDs: Set<String> = ["reload"]
    static let referenceSeconds: ClosedRange<Double> = 1...30
    static let maximumReferenceBytes = 50 << 20

    /// Letters, digits, `_`, `.`, `-`; 1–64 characters, starting with a letter or digit.
    static func checkID(_ id: String) -> VoiceIssue? {
        let allowed = id.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || byte == 0x2E
                || byte == 0x2D
        }
        guard (1...64).contains(id.utf8.count), allowed, let first = id.first, first.isLetter || first.isNumber else {
            return VoiceIssue(
                voiceID: id,
                field: "voice_id",
                message: "must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit"
            )
        }
        if reservedIDs.contains(id) { return VoiceIssue(voiceID: id, field: "voice_id", message: "'\(id)' is reserved") }
        return nil
    }

    /// An espeak-ng voice name or a remote server's voice: no spaces, no leading dash.
    static func checkEngineVoice(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && !name.hasPrefix("-")
            && name.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_+.:".unicodeScalars.contains($0) }
    }

    mutating func validate(id: String, entry: JSONValue) -> Result<Voice, VoiceProblems> {
        var issues: [VoiceIssue] = []
        func issue(_ field: String?, _ message: String) { issues.append(VoiceIssue(voiceID: id, field: field, message: message)) }
        if let problem = Self.checkID(id) { issues.append(problem) }
        guard case .object(let fields) = entry else {
            return .failure(VoiceProblems(issues: issues + [VoiceIssue(voiceID: id, field: nil, message: "entry must be a JSON object")]))
        }
        var voice = Voice(id: id)
        if let value = fields["ref_audio"], value != .null {
            if let path = value.stringValue {
                switch reference(path) {
                case .success(let (resolved, info)):
                    voice.refAudio = path
                    voice.refAudioPath = resolved
                    voice.reference = info
                case .failure(let problem): issue("ref_audio", problem.message)
                }
            } else {
                issue("ref_audio", "must be a string (a WAV file path)")
            }
        }
        if let value = fields["ref_text"], value != .null {
            if let text = value.stringValue, text.count <= 2000 {
                voice.refText = text
            } else {
                issue("ref_text", "must be a string of at most 2000 characters")
            }
        }
        if let value = fields["styles"], value != .null {
            if let styles = value.arrayValue?.compactMap(\.stringValue), styles.count == value.arrayValue?.count, styles.count <= 32,
                styles.allSatisfy({ (1...64).contains($0.count) })
            {
                voice.styles = styles
            } else {
                issue("styles", "must be an array of at most 32 strings of 1-64 characters")
            }
        }
        if let value = fields["params"], value != .null {
            if case .object(let params) = value {
                if let rate = params["rate"], rate != .null {
                    if let number = rate.doubleValue, SpeechParams.rates.contains(number) {
                        voice.params.rate = number
                    } else {
                        issue("params.rate", "must be a number from 0.25 to 4")
                    }
                }
                if let pitch = params["pitch"], pitch != .null {
                    if let number = pitch.doubleValue, SpeechParams.pitches.contains(number) {
                        voice.params.pitch = number
                    } else {
                        issue("params.pitch", "must be a number of semitones from -12 to 12")
                    }
                }
            } else {
                issue("params", "must be an object with `rate` and `pitch`")
            }
        }
        if let value = fields["engine_voice"], value != .null {
            if let name = value.stringValue, Self.checkEngineVoice(name) {
                voice.engineVoice = name
            } else {
                issue("engine_voice", "must be a synthesiser voice name (letters, digits, '-', '_', '+', '.', ':'; at most 64)")
            }
        }
        voice.createdAt = fields["created_at"]?.stringValue
        voice.updatedAt = fields["updated_at"]?.stringValue
        return issues.isEmpty ? .success(voice) : .failure(VoiceProblems(issues: issues))
    }

    /// The resolved path of a reference file and its format, if it is a usable WAV file
    /// inside the voices directory.
    mutating func reference(_ path: String) -> Result<(String, WAVDecoder.Info), VoiceIssue> {
        func failure(_ message: String) -> Result<(String, WAVDecoder.Info), VoiceIssue> {
            .failure(VoiceIssue(voiceID: nil, field: "ref_audio", message: message))
        }
        guard !path.isEmpty, path.utf8.count <= 1024, !path.contains("\0") else { return failure("must be a file path of 1-1024 bytes") }
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path)
        let resolved = url.standardizedFileURL.resolvingSymlinksInPath().path
        guard resolved.hasPrefix(directory.path + "/") else {
            return failure("'\(path)' is outside the voices directory \(directory.path); reference audio must live there")
        }
        guard let stamp = FileStamp.of(resolved) else { return failure("'\(path)' does not exist or is not a regular file") }
        guard stamp.size <= Self.maximumReferenceBytes else { return failure("'\(path)' is larger than 50 MB") }
        let result: Result<WAVDecoder.Info, VoiceIssue>
        if let cached = inspected[resolved], cached.stamp == stamp {
            result = cached.result
        } else {
            result = Self.inspectFile(resolved)
            inspected[resolved] = (stamp, result)
        }
        switch result {
        case .failure(let issue): return failure("'\(path)': \(issue.message)")
        case .success(let info):
            guard Self.referenceSeconds.contains(info.seconds) else {
                return failure("'\(path)' is \(String(format: "%.1f", info.seconds)) s long; reference audio must be 1-30 s (3-10 s works best)")
            }
            return .success((resolved, info))
        }
    }

    /// Reads a file's WAV format (uncached).
    static func inspectFile(_ path: String) -> Result<WAVDecoder.Info, VoiceIssue> {
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(VoiceIssue(voiceID: nil, field: "ref_audio", message: "cannot be read"))
        }
        do {
            return .success(try WAVDecoder.info([UInt8](data)))
        } catch {
            return .failure(VoiceIssue(voiceID: nil, field: "ref_audio", message: "is not a usable WAV file: \(ErrorText.describe(error))"))
        }
    }
}
