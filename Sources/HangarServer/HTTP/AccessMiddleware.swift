import HTTPTypes
import Foundation
import HangarAuth
import HangarCore
import HangarRuntime
import Hummingbird
import Logging

/// Authenticates every request that is not public and enforces `RoutePolicy`. The caller's
/// tenant becomes the request's tenant, so every query is scoped to it: another tenant's
/// resources answer 404, never 403.
///
/// The credential is `Authorization: Bearer <token>`, or `?token=` for clients that cannot
/// set headers (EventSource, WebSocket).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = HangarRequestContext
    let authenticator: Authenticator
    let incidents: IncidentRecorder
    var publicMetrics = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Unmatched paths (404) still need a credential, so they reveal nothing.
        let requirement = context.endpointPath.map { RoutePolicy.requirement(method: request.method.rawValue, path: $0, publicMetrics: publicMetrics) }
            ?? .role(.viewer)
        if requirement == .public { return try await next(request, context) }
        let principal: Principal
        do {
            principal = try await authenticator.authenticate(Self.token(request))
        } catch .missingCredential {
            throw APIError(.unauthorized, AuthFailure.missingCredential.message, headers: [.wwwAuthenticate: "Bearer"])
        } catch {
            await incidents.authenticationFailed(source: context.clientAddress ?? "unknown", reason: error.message)
            throw APIError(.unauthorized, error.message, headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""])
        }
        var context = context
        context.principal = principal
        context.tenantID = principal.tenantID
        let refusal: APIError? =
            switch requirement {
            case .role(let role)? where principal.role < role:
                APIError(.forbidden, "this route requires the \(role.rawValue) role; the credential has \(principal.role.rawValue)")
            case .defaultTenant(let role)? where principal.tenantID != Tenant.defaultID || principal.role < role:
                APIError(.forbidden, "this route requires the \(role.rawValue) role in the default tenant")
            case .systemAdmin? where !principal.isSystemAdmin:
                APIError(.forbidden, "this route requires an admin of the default tenant")
            case nil:
                APIError(.forbidden, "route has no access policy")
            default:
                nil
            }
        if let refusal {
            await incidents.record(
                SecurityIncident(
                    tenantID: principal.tenantID, kind: .permissionDenied, severity: .low, description: refusal.detail, actor: principal.subject,
                    details: [
                        "method": .string(request.method.rawValue), "path": .string(request.uri.path),
                        "client_ip": context.clientAddress.map(JSONValue.string) ?? .null,
                    ]))
            throw refusal
        }
        return try await next(request, context)
    }

    static func token(_ request: Request) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return String(parts[1]).trimmingCharacters(in: .whitespaces) }
            return ""
        }
        return request.uri.queryParameters["token"].map(String.init)
    }
}

/// Echoes or assigns `X-Request-ID` on every response, and tags the request's logs with it.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let name = HTTPField.Name("X-Request-ID")!
        let id = request.headers[name].flatMap { $0.count <= 128 ? $0 : nil } ?? context.id
        var context = context
        context.logger[metadataKey: "request_id"] = .string(id)
        var response = try await next(request, context)
        response.headers[name] = id
        return response
    }
}

/// Counts every request in `api_requests_total` and `api_request_duration_seconds` by its
/// route pattern (bounded: never the raw path; paths matching no route are Hummingbird's
/// `NotFound`), and logs one
/// line per request: at info with `HANGAR_LOG_REQUESTS=true`, at debug otherwise. Sits inside
/// `RequestIDMiddleware` (the line carries `request_id`) and outside `ErrorMiddleware` (it sees
/// the status an error became). The duration runs to the response head: a streamed body
/// (SSE) is not included.
struct RequestObservationMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: HangarMetrics
    let logRequests: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let status: Int
        let response: Response
        do {
            response = try await next(request, context)
            status = Int(response.status.code)
        } catch {
            let code = (error as? any HTTPResponseError)?.status.code ?? 500
            observe(request, context: context, status: Int(code), duration: ContinuousClock.now - started)
            throw error
        }
        observe(request, context: context, status: status, duration: ContinuousClock.now - started)
        return response
    }

    private func observe(_ request: Request, context: Context, status: Int, duration: Duration) {
        let endpoint = context.endpointPath ?? "unmatched"
        metrics.apiRequest(method: request.method.rawValue, endpoint: endpoint, statusCode: status, duration: duration)
        context.logger.log(
            level: logRequests ? .info : .debug, "request",
            metadata: [
                "method": .string(request.method.rawValue), "route": .string(endpoint), "path": .string(request.uri.path),
                "status": .stringConvertible(status), "duration_ms": .string(String(format: "%.2f", duration.seconds * 1000)),
            ])
    }
}
