import Foundation
import HangarAgents
import HangarCore

/// `performance_metrics` (seed 004), measured and never invented:
///
/// - `response_time_seconds`: Hangar's own wall time of the model call.
/// - `load_time_seconds`, `prompt_eval_time_seconds`, `generation_time_seconds`: as the provider
///   reports them (`ModelResponse.timings`), `null` when it does not.
/// - `tokens_per_second`: response tokens ÷ generation time when that is known (and not 0),
///   else response tokens ÷ response time.
/// - `context_length_chars`: characters of the messages actually sent.
enum ChatMetrics {
    static func make(response: ModelResponse, elapsed: Double, contextCharacters: Int, model: String, at date: Date) -> JSONValue {
        let timings = response.timings
        let rate: Double?
        if let generation = timings.generation, generation > 0 {
            rate = Double(response.completionTokens) / generation
        } else if elapsed > 0 {
            rate = Double(response.completionTokens) / elapsed
        } else {
            rate = nil
        }
        func seconds(_ value: Double?) -> JSONValue { value.map { .double(round($0, places: 6)) } ?? .null }
        return [
            "response_time_seconds": seconds(elapsed),
            "load_time_seconds": seconds(timings.load),
            "prompt_eval_time_seconds": seconds(timings.promptEval),
            "generation_time_seconds": seconds(timings.generation),
            "prompt_tokens": .int(Int64(response.promptTokens)),
            "response_tokens": .int(Int64(response.completionTokens)),
            "total_tokens": .int(Int64(response.promptTokens + response.completionTokens)),
            "tokens_per_second": rate.map { .double(round($0, places: 2)) } ?? .null,
            "context_length_chars": .int(Int64(contextCharacters)),
            "model_name": .string(model),
            "timestamp": .string(Timestamp.format(date)),
        ]
    }

    /// `GET …/stats`: counts, tokens and cost of a session, and the spread of its stored metrics.
    static func stats(_ session: ChatSessionRecord, messages: [ChatMessageRecord]) -> JSONValue {
        var byRole: [String: Int] = [:]
        for message in messages { byRole[message.role, default: 0] += 1 }
        let replies = messages.filter { $0.role == "assistant" }
        let prompt = replies.reduce(0) { $0 + ($1.promptTokens ?? 0) }
        let completion = replies.reduce(0) { $0 + ($1.completionTokens ?? 0) }
        let responseTimes = replies.compactMap { $0.metrics?["response_time_seconds"]?.doubleValue }
        let rates = replies.compactMap { $0.metrics?["tokens_per_second"]?.doubleValue }
        return [
            "session_id": .string(session.id),
            "status": .string(session.status.rawValue),
            "model": .string(session.model),
            "message_count": .int(Int64(messages.count)),
            "messages_by_role": .object(byRole.mapValues { .int(Int64($0)) }),
            "prompt_tokens": .int(Int64(prompt)),
            "completion_tokens": .int(Int64(completion)),
            "total_tokens": .int(Int64(prompt + completion)),
            "cost_usd": .double(replies.reduce(0) { $0 + ($1.costUSD ?? 0) }),
            "response_time_seconds": spread(responseTimes, places: 6),
            "tokens_per_second": spread(rates, places: 2),
            "first_message_at": messages.first.map { .string(Timestamp.format($0.createdAt)) } ?? .null,
            "last_message_at": messages.last.map { .string(Timestamp.format($0.createdAt)) } ?? .null,
        ]
    }

    /// Average, median and 95th percentile (nearest rank); `null`s without samples.
    static func spread(_ samples: [Double], places: Int) -> JSONValue {
        guard !samples.isEmpty else { return ["count": 0, "average": nil, "p50": nil, "p95": nil] }
        let sorted = samples.sorted()
        func rank(_ p: Double) -> Double { sorted[max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1)] }
        return [
            "count": .int(Int64(sorted.count)),
            "average": .double(round(sorted.reduce(0, +) / Double(sorted.count), places: places)),
            "p50": .double(round(rank(0.5), places: places)),
            "p95": .double(round(rank(0.95), places: places)),
        ]
    }

    static func round(_ value: Double, places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }
}
