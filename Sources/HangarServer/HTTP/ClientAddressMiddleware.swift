import Hummingbird
import Logging

/// Resolves the client's address once per request (see `ClientAddress`) and tags the request's
/// logs with it, so the request line and anything logged on the way name the real client.
/// Runs before every other middleware that logs or records.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = HangarRequestContext
    let trusted: TrustedProxies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.clientAddress = ClientAddress.resolve(peer: context.peer?.ipAddress, headers: request.headers, trusted: trusted)
        if let client = context.clientAddress { context.logger[metadataKey: "client"] = .string(client) }
        return try await next(request, context)
    }
}
