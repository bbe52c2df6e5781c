import Foundation
import HangarBlobs
import HangarCore
import HangarStore
import Logging
public import Hummingbird
import OpenAPIRuntime

/// Every error leaves the server as `{"detail": "...", "status_code": N}` (the seeds' shape),
/// plus `field` when one input field is to blame.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var detail: String
    public var field: String?
    public var headers: HTTPFields
    /// Set when the refusal is a security incident (`IncidentMiddleware` records it).
    public var incident: IncidentTag?

    public init(_ status: HTTPResponse.Status, _ detail: String, field: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.detail = detail
        self.field = field
        self.headers = headers
    }

    /// The same error, marked as a security incident of this kind.
    public func recording(_ kind: SecurityIncident.Kind, _ severity: SecurityIncident.Severity, agentID: String? = nil) -> APIError {
        var error = self
        error.incident = IncidentTag(kind: kind, severity: severity, agentID: agentID)
        return error
    }

    public static func invalid(_ field: String, _ message: String) -> APIError {
        APIError(.unprocessableContent, "\(field): \(message)", field: field)
    }

    /// A storage fault: 507 when the disk is full, 503 otherwise, always with `Retry-After`.
    static func storage(_ fault: StoreFault) -> APIError {
        APIError(
            fault.kind == .diskFull ? HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage") : .serviceUnavailable, fault.detail,
            headers: [.retryAfter: String(fault.retryAfterSeconds)])
    }

    /// A blob store that cannot take writes (a full or read-only disk, S3 failing or silent):
    /// the same statuses as a storage fault, naming the blob store.
    static func blobs(_ fault: BlobStoreFault) -> APIError {
        APIError(
            fault.kind == .diskFull ? HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage") : .serviceUnavailable, fault.detail,
            headers: [.retryAfter: String(fault.retryAfterSeconds)])
    }

    public static func notFound(_ resource: String, _ id: String) -> APIError {
        APIError(.notFound, "\(resource) '\(id)' not found")
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var body: [String: JSONValue] = ["detail": .string(detail), "status_code": .int(Int64(status.code))]
        if let field { body["field"] = .string(field) }
        var response = JSONResponse.make(.object(body), status: status)
        response.headers.append(contentsOf: headers)
        return response
    }

    /// Maps domain and framework errors to what the client is told.
    static func from(_ error: any Error) -> APIError? {
        switch error {
        case let error as APIError:
            return error
        case let error as HangarError:
            switch error {
            case .notFound(let resource, let id): return .notFound(resource, id)
            case .conflict(let message): return APIError(.conflict, message)
            case .invalid(let field, let message): return .invalid(field, message)
            case .leaseLost: return APIError(.conflict, error.description)
            case .unavailable(let message): return APIError(.serviceUnavailable, message)
            }
        case let fault as BlobStoreFault:
            return .blobs(fault)
        case let error as HTTPError:
            return APIError(error.status, error.body ?? error.status.reasonPhrase, headers: error.headers)
        case let error as ServerError:
            // From a generated handler (HangarAPIServer): what the handler threw, or a request
            // the generated code refused (a malformed parameter, an Accept it cannot meet).
            if let inner = from(error.underlyingError) { return inner }
            guard error.httpStatus.kind == .clientError else { return nil }
            return APIError(error.httpStatus, "\(error.underlyingError)")
        case let error as any HTTPResponseError:
            return APIError(error.status, error.status.reasonPhrase)
        default:
            return nil
        }
    }
}

public struct IncidentTag: Sendable, Hashable {
    public var kind: SecurityIncident.Kind
    public var severity: SecurityIncident.Severity
    public var agentID: String?
}

/// Turns every thrown error into the JSON error shape. A storage fault (disk full, read-only,
/// locked, database unreachable) is 507/503 with `Retry-After` and the cause; unknown errors
/// are logged in full and answered with a generic 500, so internals never leak to clients.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    var storage: StorageFaults?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            // A request that wrote and succeeded ends a storage fault episode.
            if let storage, request.method != .get, request.method != .head, response.status.code < 300 { storage.writeSucceeded() }
            return response
        } catch {
            if let apiError = APIError.from(error) {
                return try apiError.response(from: request, context: context)
            }
            if let fault = storage?.fault(for: error) {
                return try APIError.storage(fault).response(from: request, context: context)
            }
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return try APIError(.internalServerError, "internal error").response(from: request, context: context)
        }
    }
}
