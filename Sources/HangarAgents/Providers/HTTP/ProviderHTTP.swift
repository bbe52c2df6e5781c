import AsyncHTTPClient
import HangarErrorText
import Foundation
import HangarCore
import HangarTimers
import Logging
import NIOCore
import NIOHTTP1

/// How a provider retries transient failures: 408, 425, 429, 5xx and connection errors.
public struct ProviderRetryPolicy: Sendable, Hashable {
    public var maxRetries: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// A `Retry-After` longer than this is not waited out inside the call: the call fails
    /// retryable and the task queue tries again later.
    public var maxRetryAfter: Duration

    public init(maxRetries: Int = 3, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(20), maxRetryAfter: Duration = .seconds(60)) {
        self.maxRetries = maxRetries
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// Exponential, each wait drawn from [½, 1] of its step.
    var backoff: Backoff { Backoff(.exponential(base: baseDelay, maximum: maxDelay), spread: 0.5...1) }

    static let retryableStatuses: Set<UInt> = [408, 425, 429, 500, 502, 503, 504, 529]
}

/// One provider's HTTP: requests with a timeout, retries with backoff that honours
/// `Retry-After`, and a circuit breaker. Errors come out as `TaskFailure`s whose `retryable`
/// tells the queue whether another attempt could succeed.
struct ProviderHTTP: Sendable {
    let name: String
    let client: HTTPClient
    let retry: ProviderRetryPolicy
    let breaker: CircuitBreaker
    /// Longest one request (headers and body) may take when the caller sets no deadline.
    let requestTimeout: Duration
    let logger: Logger

    init(name: String, client: HTTPClient, retry: ProviderRetryPolicy, requestTimeout: Duration, breaker: CircuitBreaker = CircuitBreaker(), logger: Logger) {
        self.name = name
        self.client = client
        self.retry = retry
        self.breaker = breaker
        self.requestTimeout = requestTimeout
        self.logger = logger
    }

    /// The HTTP of a configured endpoint: its retries, timeout and circuit breaker.
    init(endpoint: ProviderEndpoint, client: HTTPClient, logger: Logger) {
        self.init(
            name: endpoint.name, client: client, retry: endpoint.retry, requestTimeout: endpoint.requestTimeout,
            breaker: CircuitBreaker(threshold: endpoint.breakerThreshold, cooldown: endpoint.breakerCooldown), logger: logger)
    }

    /// Sends the request (rebuilt for each try) and hands a 2xx response to `read`, which
    /// consumes the body. Failures before `read` starts are retried; a failure inside `read`
    /// (a stream cut mid-answer) is not, because part of the answer may already be out.
    func perform<T: Sendable>(
        timeout: Duration? = nil, _ build: @escaping @Sendable () throws -> HTTPClientRequest,
        read: @escaping @Sendable (HTTPClientResponse) async throws -> T
    ) async throws -> T {
        let deadline = ContinuousClock.now + (timeout ?? requestTimeout)
        var retries = 0
        while true {
            if let wait = await breaker.admit() {
                throw TaskFailure(
                    code: "provider_unavailable",
                    message: "provider '\(name)' is failing; circuit open, next try in \(Self.format(wait))", retryable: true)
            }
            let outcome: Outcome<T>
            do {
                outcome = try await withDeadline(deadline) {
                    let response = try await client.execute(try build(), deadline: .now() + .nanoseconds(Int64(max(0, (deadline - .now).seconds) * 1e9)), logger: logger)
                    guard (200..<300).contains(response.status.code) else {
                        let body = try? await response.body.collect(upTo: 64 * 1024)
                        return .status(response.status, response.headers, body.map { String(buffer: $0) } ?? "")
                    }
                    return .success(try await read(response))
                }
            } catch let failure as TaskFailure {
                throw failure
            } catch is CancellationError {
                throw CancellationError()
            } catch let error where error is DeadlineExceeded || Self.isClientDeadline(error) {
                // Ours or AsyncHTTPClient's (whichever fires first): the provider took the
                // connection, or not, and gave no answer in time.
                await breaker.recordFailure("timed out")
                throw TaskFailure(code: "provider_timeout", message: "provider '\(name)' was unreachable or did not answer within \(Self.format(timeout ?? requestTimeout))", retryable: true)
            } catch {
                // Connection refused or reset, TLS, DNS: transient.
                let message = "provider '\(name)' unreachable: \(ErrorText.describe(error))"
                await breaker.recordFailure(message)
                if let wait = nextWait(retries: retries, retryAfter: nil, deadline: deadline) {
                    logger.debug("retrying provider request", metadata: ["provider": "\(name)", "error": "\(error)"])
                    retries += 1
                    try await Timers.sleep(for: wait)
                    continue
                }
                throw TaskFailure(code: "provider_unavailable", message: message, retryable: true)
            }
            switch outcome {
            case .success(let value):
                await breaker.recordSuccess()
                return value
            case .status(let status, let headers, let body):
                let detail = Self.errorMessage(body) ?? "HTTP \(status.code)"
                let retryable = ProviderRetryPolicy.retryableStatuses.contains(status.code)
                if status.code >= 500 { await breaker.recordFailure("HTTP \(status.code): \(detail)") } else { await breaker.recordSuccess() }
                guard retryable else {
                    throw TaskFailure(code: Self.code(for: status), message: "provider '\(name)' refused the request (HTTP \(status.code)): \(detail)", retryable: false)
                }
                let retryAfter = Self.retryAfter(headers)
                if let retryAfter, retryAfter > retry.maxRetryAfter {
                    throw TaskFailure(
                        code: "provider_rate_limited",
                        message: "provider '\(name)' asked to retry after \(Self.format(retryAfter)) (HTTP \(status.code)): \(detail)", retryable: true)
                }
                if let wait = nextWait(retries: retries, retryAfter: retryAfter, deadline: deadline) {
                    logger.debug("retrying provider request", metadata: ["provider": "\(name)", "status": "\(status.code)", "wait": "\(wait)"])
                    retries += 1
                    try await Timers.sleep(for: wait)
                    continue
                }
                throw TaskFailure(
                    code: status.code == 429 ? "provider_rate_limited" : "provider_error",
                    message: "provider '\(name)' failed after \(retries + 1) tries (HTTP \(status.code)): \(detail)", retryable: true)
            }
        }
    }

    private enum Outcome<T: Sendable>: Sendable {
        case success(T)
        case status(HTTPResponseStatus, HTTPHeaders, String)
    }

    /// The wait before the next try, or `nil` when out of retries or time.
    private func nextWait(retries: Int, retryAfter: Duration?, deadline: ContinuousClock.Instant) -> Duration? {
        guard retries < retry.maxRetries else { return nil }
        let wait = retryAfter ?? retry.backoff.delay(afterFailure: retries + 1)
        return ContinuousClock.now + wait < deadline ? wait : nil
    }

    /// `Retry-After` as delta-seconds or an HTTP date.
    static func retryAfter(_ headers: HTTPHeaders) -> Duration? {
        guard let value = headers.first(name: "retry-after")?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Double(value), seconds >= 0 { return .milliseconds(Int64(seconds * 1000)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .milliseconds(Int64(max(0, date.timeIntervalSinceNow) * 1000))
    }

    /// The message of an OpenAI-style `{"error": {"message": …}}` or Ollama `{"error": "…"}` body.
    static func errorMessage(_ body: String) -> String? {
        guard !body.isEmpty else { return nil }
        if let json = try? JSONText.decode(body) {
            if let message = json["error"]?["message"]?.stringValue ?? json["error"]?.stringValue ?? json["detail"]?.stringValue {
                return message
            }
        }
        return String(body.prefix(300))
    }

    static func code(for status: HTTPResponseStatus) -> String {
        switch status.code {
        case 401, 403: "provider_auth_failed"
        case 404: "model_not_found"
        default: "provider_bad_request"
        }
    }

    /// AsyncHTTPClient's own end of the request's deadline.
    static func isClientDeadline(_ error: any Error) -> Bool {
        guard let error = error as? HTTPClientError else { return false }
        return error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout
    }

    static func format(_ duration: Duration) -> String {
        String(format: "%.1f s", duration.seconds)
    }
}

struct DeadlineExceeded: Error {}

/// Runs `body`, cancelling it at `deadline` and throwing `DeadlineExceeded` then.
func withDeadline<T: Sendable>(_ deadline: ContinuousClock.Instant, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Timers.sleep(until: deadline)
            throw DeadlineExceeded()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

extension ByteBuffer {
    var bytes: [UInt8] { getBytes(at: readerIndex, length: readableBytes) ?? [] }
}
