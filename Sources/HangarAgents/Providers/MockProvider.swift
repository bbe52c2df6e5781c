import HangarCore
import HangarTimers

/// A deterministic, offline model so that everything runs without a model server: the
/// quickstart, the tests and the benchmarks.
///
/// - `mock/echo` answers with the last user message.
/// - `replies: [..]` (agent config or task input) answers with a scripted reply per call:
///   the n-th call of an attempt sequence gets `replies[(attempt-1) % count]`.
/// - `latency_ms` waits that long (cancellably) before answering, streaming the words of
///   the answer over that time when the caller streams.
/// - `fail_times: N` fails the first N attempts with a retryable error.
///
/// Timings are measured, as a real provider's would be: `total` always; when streaming,
/// `firstToken` (call start → first token) and `generation` (first token → last token).
/// The mock loads no model and evaluates no prompt, so `load` and `promptEval` stay `nil`.
public struct MockProvider: ModelProvider {
    public init() {}

    public func listModels() async throws -> [ModelInfo] {
        [ModelInfo(provider: "mock", name: "echo", capabilities: ["text", "vision"], details: ["description": "Answers with the last user message."])]
    }

    public func complete(_ request: ModelRequest, context: ModelCallContext) async throws -> ModelResponse {
        let clock = ContinuousClock()
        let started = clock.now
        if let failTimes = request.options["fail_times"]?.intValue, context.attempt <= failTimes {
            throw TaskFailure(
                code: "provider_unavailable", message: "mock provider failing attempt \(context.attempt) of \(failTimes) (fail_times)",
                retryable: true)
        }
        let reply = answer(request, attempt: context.attempt)
        let latency = Duration.milliseconds(max(0, request.options["latency_ms"]?.intValue ?? 0))
        let words = reply.split(separator: " ", omittingEmptySubsequences: false)
        var firstToken: ContinuousClock.Instant?
        var lastToken: ContinuousClock.Instant?
        if let onToken = context.onToken, !words.isEmpty {
            let pause = latency / words.count
            for (index, word) in words.enumerated() {
                if pause > .zero { try await Timers.sleep(for: pause) }
                let now = clock.now
                if firstToken == nil { firstToken = now }
                lastToken = now
                try await onToken(index == 0 ? String(word) : " " + word)
            }
        } else if latency > .zero {
            try await Timers.sleep(for: latency)
        }
        let prompt = request.messages.map(\.content).joined(separator: " ")
        let timings = ModelTimings(
            total: (clock.now - started).seconds, firstToken: firstToken.map { ($0 - started).seconds },
            generation: firstToken.flatMap { first in lastToken.map { ($0 - first).seconds } })
        return ModelResponse(content: reply, promptTokens: Self.countTokens(prompt), completionTokens: Self.countTokens(reply), timings: timings)
    }

    private func answer(_ request: ModelRequest, attempt: Int) -> String {
        if let replies = request.options["replies"]?.arrayValue?.compactMap(\.stringValue), !replies.isEmpty {
            return replies[(max(1, attempt) - 1) % replies.count]
        }
        return request.messages.last(where: { $0.role == "user" })?.content ?? ""
    }

    /// Whitespace-separated words: a stand-in for a tokenizer that is stable and cheap.
    static func countTokens(_ text: String) -> Int {
        text.split(whereSeparator: \.isWhitespace).count
    }
}
