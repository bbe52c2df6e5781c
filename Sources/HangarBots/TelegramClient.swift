import AsyncHTTPClient
import Foundation
import HangarAgents
import HangarCore
import HangarErrorText
import HangarTimers
import NIOCore
import NIOHTTP1

/// Calls to the Telegram Bot API (`POST {api}/bot{token}/{method}` with a JSON body), with
/// Telegram's own retry rules: a 429 waits the `retry_after` it names, a 5xx or a network
/// failure is retried with backoff, both only while `deadline` allows. The token never
/// appears in an error (it is part of the URL).
public struct TelegramClient: Sendable {
    public let apiURL: String
    let client: HTTPClient
    /// Attempts per call, the first included.
    var maxAttempts = 5
    var backoff = Backoff(.exponential(base: .milliseconds(250), maximum: .seconds(4)), spread: 0.8...1.2)

    /// One client for every bot of the process, for its life (redirects are not followed: a
    /// Bot API server that redirects is misconfigured).
    static let sharedClient = ProviderConfiguration.makeHTTPClient(followRedirects: false)

    public init(apiURL: String) {
        self.apiURL = apiURL
        self.client = Self.sharedClient
    }

    /// Telegram's error answer: `{"ok": false, "error_code", "description", "parameters": {"retry_after"}}`.
    public struct Failure: Error, Sendable, Equatable {
        public var status: Int
        public var description: String
        public var retryAfter: Int?
    }

    /// The `result` of a successful call. Throws `Failure` for Telegram's error answers after
    /// retries, `BotPlatformError.unavailable` when it could not be reached in time.
    public func call(
        _ method: String, token: String, _ parameters: JSONValue, deadline: ContinuousClock.Instant = .now + .seconds(30)
    ) async throws -> JSONValue {
        var attempt = 0
        while true {
            attempt += 1
            let outcome: Result<JSONValue, Failure>
            do {
                outcome = try await once(method, token: token, parameters, deadline: deadline)
            } catch let error as CancellationError {
                throw error
            } catch {
                // Not reached, or no answer in time: worth another try while time remains.
                let wait = backoff.delay(afterFailure: attempt)
                guard attempt < maxAttempts, ContinuousClock.now + wait < deadline else {
                    throw BotPlatformError.unavailable("Telegram \(method) failed: \(ErrorText.describe(error))")
                }
                try await Timers.sleep(for: wait)
                continue
            }
            switch outcome {
            case .success(let result):
                return result
            case .failure(let failure):
                let wait: Duration
                if failure.status == 429 {
                    wait = .seconds(max(1, failure.retryAfter ?? 1))
                } else if failure.status >= 500 {
                    wait = backoff.delay(afterFailure: attempt)
                } else {
                    throw failure
                }
                guard attempt < maxAttempts, ContinuousClock.now + wait < deadline else { throw failure }
                try await Timers.sleep(for: wait)
            }
        }
    }

    private func once(_ method: String, token: String, _ parameters: JSONValue, deadline: ContinuousClock.Instant) async throws -> Result<JSONValue, Failure> {
        var request = HTTPClientRequest(url: "\(apiURL)/bot\(token)/\(method)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: JSONText.encode(parameters)))
        let remaining = deadline - ContinuousClock.now
        let timeout = TimeAmount.nanoseconds(Int64(max(0.001, min(30, remaining.seconds)) * 1e9))
        let response = try await client.execute(request, timeout: timeout)
        let body = try await response.body.collect(upTo: 1 << 20)
        let status = Int(response.status.code)
        let answer = try? JSONText.decode(bytes: Array(body.readableBytesView))
        if (200..<300).contains(status), answer?["ok"]?.boolValue == true {
            return .success(answer?["result"] ?? .null)
        }
        return .failure(
            Failure(
                status: answer?["error_code"]?.intValue ?? status,
                description: answer?["description"]?.stringValue ?? "HTTP \(status) without a Bot API answer",
                retryAfter: answer?["parameters"]?["retry_after"]?.intValue))
    }
}
