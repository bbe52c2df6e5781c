import Foundation
import HangarBlobs
import HangarCore
import HangarStore
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /api/v1/tasks/{id}/screenshots/{step}`: the screenshot a browser agent saved at a step
/// (`options.save_screenshots`), from the blob store. The task is looked up in the caller's
/// tenant first, so a key never reveals another tenant's screen.
struct ScreenshotController {
    let store: any TaskStore
    let blobs: any BlobStore

    func addRoutes(to router: Router<HangarRequestContext>) {
        router.get("/api/v1/tasks/{task_id}/screenshots/{step}", use: screenshot)
    }

    /// Where an executor stores a step's screenshot (the browser agent uses the same layout).
    static func key(taskID: String, step: Int) -> String { "screenshots/\(taskID)/\(step).jpg" }

    @Sendable func screenshot(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let id = try context.parameters.decoded("task_id")
        let stepText = try context.parameters.decoded("step")
        guard let step = Int(stepText), step >= 0 else { throw APIError.invalid("step", "must be a step number (0 or more)") }
        guard let task = try await store.taskGet(tenantID: context.tenantID, id: id) else { throw APIError.notFound("task", id) }
        guard let data = try await blobs.get(Self.key(taskID: task.id, step: step)) else {
            throw APIError.notFound("screenshot", "\(task.id) step \(step)")
        }
        var headers = HTTPFields()
        headers[.contentType] = "image/jpeg"
        headers[.cacheControl] = "private, max-age=86400, immutable"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
