import HTTPTypes
import Hummingbird

/// A request whose path is a route but whose method is not one of its methods gets `405` with
/// `Allow`, as RFC 9110 says, instead of the router's `404` (`PATCH /api/v1/agents/{id}` names
/// a resource that exists). The routes and their methods come from `RoutePolicy.table`, which
/// a test keeps equal to the router.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = RouteMethods.methods(forPath: request.uri.path)
            guard !allowed.isEmpty, !allowed.contains(request.method.rawValue) else { throw error }
            let allow = allowed.sorted().joined(separator: ", ")
            throw APIError(
                .methodNotAllowed, "\(request.method.rawValue) is not a method of \(request.uri.path); it allows \(allow)",
                headers: [.allow: allow])
        }
    }

}

enum RouteMethods {
    /// Route patterns split into segments (`{…}` matches any one segment), with their methods.
    static let table: [(segments: [Substring], method: String)] = RoutePolicy.table.keys.compactMap { key in
        let parts = key.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        return (parts[1].split(separator: "/"), String(parts[0]))
    }

    /// The methods of every route whose pattern matches `path`.
    static func methods(forPath path: String) -> Set<String> {
        let segments = path.split(separator: "/")
        var methods = Set<String>()
        for route in table where route.segments.count == segments.count {
            let matches = zip(route.segments, segments).allSatisfy { pattern, segment in pattern.hasPrefix("{") || pattern == segment }
            if matches { methods.insert(route.method) }
        }
        if methods.contains("GET") { methods.insert("HEAD") }
        return methods
    }
}
