import HangarCore
import HangarStore
import HTTPTypes
import Hummingbird

/// Token buckets per caller and route class, kept in the database so that every replica
/// draws from the same bucket. Defaults follow seed 004: agent creation 10 per hour per
/// caller. A general per-caller request limit is off unless configured.
public struct RateLimits: Sendable {
    public var agentCreationsPerHour: Double?
    public var requestsPerMinute: Double?

    public init(agentCreationsPerHour: Double? = 10, requestsPerMinute: Double? = nil) {
        self.agentCreationsPerHour = agentCreationsPerHour
        self.requestsPerMinute = requestsPerMinute
    }

    /// Whose bucket a request draws from.
    enum Scope {
        /// The credential (API key or JWT subject): seed 004's "per user".
        case caller
        /// The whole tenant (tool executions, external requests).
        case tenant
    }

    /// How often a bucket refills completely: a limit of N per period is a burst of N (the
    /// bucket's capacity), refilled at N per period.
    enum Period: Sendable {
        case minute
        case hour

        var seconds: Double { self == .minute ? 60 : 3600 }
        var name: String { self == .minute ? "minute" : "hour" }
    }

    /// Takes a token from an hourly bucket (agent creation, tool executions).
    static func take(
        _ store: any QuotaStore, bucket: String, perHour limit: Double, context: HangarRequestContext, scope: Scope = .caller, setting: String
    ) async throws -> HTTPFields {
        try await take(store, bucket: bucket, limit: limit, per: .hour, context: context, scope: scope, setting: setting)
    }

    /// Takes a token or throws 429 with `Retry-After` and the name of the `setting` that sets
    /// the limit; returns the headers to add on success.
    static func take(
        _ store: any QuotaStore, bucket: String, limit: Double, per period: Period, context: HangarRequestContext, scope: Scope = .caller,
        setting: String
    ) async throws -> HTTPFields {
        let owner = scope == .caller ? context.rateLimitOwner : "tenant:\(context.tenantID)"
        let decision = try await store.rateLimitTake(key: "\(bucket):\(owner)", capacity: limit, refillPerSecond: limit / period.seconds)
        var headers: HTTPFields = [
            HTTPField.Name("X-RateLimit-Limit")!: String(Int(limit)), HTTPField.Name("X-RateLimit-Remaining")!: String(decision.remaining),
        ]
        guard decision.allowed else {
            let wait = max(1, Int(decision.retryAfter.rounded(.up)))
            headers[.retryAfter] = String(wait)
            headers[HTTPField.Name("X-RateLimit-Reset")!] = String(wait)
            let who = scope == .caller ? "per caller" : "per tenant"
            throw APIError(
                .tooManyRequests, "rate limit for \(bucket) reached (\(Int(limit)) per \(period.name) \(who), set by \(setting)); retry in \(wait) s",
                headers: headers)
                .recording(.rateLimitExceeded, .medium)
        }
        return headers
    }
}

/// The optional general request limit, per caller.
struct RequestRateMiddleware: RouterMiddleware {
    typealias Context = HangarRequestContext
    let store: any QuotaStore
    let perMinute: Double

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.principal != nil else { return try await next(request, context) }
        // Its own per-minute bucket: N a minute is a burst of N, not of N × 60.
        let headers = try await RateLimits.take(
            store, bucket: "requests", limit: perMinute, per: .minute, context: context, setting: "HANGAR_RATE_REQUESTS_PER_MINUTE")
        var response = try await next(request, context)
        response.headers.append(contentsOf: headers)
        return response
    }
}
