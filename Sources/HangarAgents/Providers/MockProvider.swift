import HangarCore

/// A deterministic, offline model so that everything runs without a model server: the
/// quickstart, the tests and the benchmarks.
///
/// - `mock/echo` answers with the last user message.
/// - `replies: [..]` (agent config or task input) answers with a scripted reply per call:
///   the n-th call of an attempt sequence gets `replies[(attempt-1) % count]`.
/// - `latency_ms` waits that long (cancellably) before answering, streaming the words of
///   the answer over that time when the caller streams.
/// - `fail_times: N` fails the first N attempts with a retryable error.
public struct MockProvider: ModelProvider {
    public init() {}

    public func complete(_ request: ModelRequest, context: ModelCallContext) async throws -> ModelResponse {
        if let failTimes = request.options["fail_times"]?.intValue, context.attempt <= failTimes {
            throw TaskFailure(
                code: "provider_unavailable", message: "mock provider failing attempt \(context.attempt) of \(failTimes) (fail_times)",
                retryable: true)
        }
        let reply = answer(request, attempt: context.attempt)
        let latency = Duration.milliseconds(max(0, request.options["latency_ms"]?.intValue ?? 0))
        let words = reply.split(separator: " ", omittingEmptySubsequences: false)
        if let onToken = context.onToken, !words.isEmpty {
            let pause = latency / words.count
            for (index, word) in words.enumerated() {
                if pause > .zero { try await Task.sleep(for: pause) }
                try await onToken(index == 0 ? String(word) : " " + word)
            }
        } else if latency > .zero {
            try await Task.sleep(for: latency)
        }
        let prompt = request.messages.map(\.content).joined(separator: " ")
        return ModelResponse(content: reply, promptTokens: Self.countTokens(prompt), completionTokens: Self.countTokens(reply))
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
