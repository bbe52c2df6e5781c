public import HangarCore

/// Speaks what an attempt is doing (seed 000: a task's `options.enable_tts` with
/// `options.voice_id`): the runtime opens a narration when an attempt starts, executors say
/// what they do through `TaskContext.narrate`, and the narration ends with the attempt.
/// The runtime knows nothing of speech; the process that has a synthesiser provides this.
public protocol NarrationProvider: Sendable {
    /// A narration for the attempt, or `nil` when the task does not ask for one.
    func open(for task: TaskRecord) async throws -> (any Narration)?
}

public protocol Narration: Sendable {
    /// Where a caller listens (written to the task's log as a `narration` event).
    var details: JSONValue { get }
    func say(_ text: String) async
    /// Speaks what is pending, then ends the stream.
    func finish() async
}

extension TaskRecord {
    /// Whether the submission asked for its work to be spoken.
    public var wantsNarration: Bool { options["enable_tts"]?.boolValue == true }
}
