import HTTPTypes
import Hummingbird
import Logging

/// Until tenants and API keys arrive: when an admin key is configured, every route except
/// the public ones requires it as a bearer token.
struct AdminKeyMiddleware: RouterMiddleware {
    typealias Context = HangarRequestContext
    let key: String

    static let publicPaths: Set<String> = ["/", "/api/v1/health", "/api/v1/ready", "/openapi.json", "/docs"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.publicPaths.contains(request.uri.path) { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "), constantTimeEqual(String(header.dropFirst(7)), key) else {
            throw APIError(.unauthorized, "missing or invalid bearer token", headers: [.wwwAuthenticate: "Bearer"])
        }
        return try await next(request, context)
    }

    private func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8), b = Array(rhs.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
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
