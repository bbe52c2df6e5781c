import Foundation
import HangarErrorText
import HangarAgents
import HangarCore
import HangarRuntime

/// Asks the model for the next action on a screenshot, and reads its reply.
///
/// A reply that cannot be used (no action, an action outside the mode's space, a missing
/// position) goes back to the model with what was wrong, up to `parseRetries` times; after
/// that the step fails naming the problem and quoting the reply. With refinement, a point
/// action is asked again on a crop around the point, and the refined point mapped back.
struct ActionPlanner {
    var caller: ModelCaller
    let systemPrompt: String
    let task: String
    let mode: BrowserMode
    let parseRetries: Int
    let jpegQuality: Int
    let events: TaskEventSink

    struct Decision {
        var actions: [BrowserAction]
        /// The reply the actions were read from.
        var raw: String
    }

    /// The next actions (in order; ShowUI may answer with several).
    mutating func next(step: Int, history: [BrowserAction], screenshot: Data, screen: ScreenSize) async throws -> Decision {
        // Pixel coordinates are the screenshot's, which may differ from the screen's (device pixel ratio).
        let imageSize = JPEGImage.dimensions(of: screenshot).map { ScreenSize(width: $0.width, height: $0.height) } ?? screen
        var messages = [
            ChatMessage(role: "system", content: systemPrompt), ShowUIPrompt.user(task: task, history: history, screenshot: screenshot),
        ]
        var attempt = 0
        while true {
            let reply = try await caller.complete(messages)
            do {
                return Decision(actions: try ActionParser.parse(reply, mode: mode, screen: imageSize), raw: reply)
            } catch {
                guard attempt < parseRetries else {
                    throw TaskFailure(
                        code: "unparseable_action",
                        message: "step \(step): the model's reply gave no usable action after \(attempt + 1) tries: \(error.message). Reply: \(Self.quote(reply))",
                        retryable: false)
                }
                attempt += 1
                try? await events.log("step \(step): unusable reply (\(error.message)); asking again", level: "warning")
                messages += [ChatMessage(role: "assistant", content: reply), ShowUIPrompt.correction(error.message, mode: mode)]
            }
        }
    }

    /// `action` with its point refined `rounds` times on crops of `screenshot`. A round whose
    /// reply is unusable ends the refinement with the point found so far.
    mutating func refine(_ action: BrowserAction, rounds: Int, step: Int, history: [BrowserAction], screenshot: Data) async throws
        -> (action: BrowserAction, rounds: Int)
    {
        guard rounds > 0, action.kind.positionShape == .point, var point = action.position else { return (action, 0) }
        let image: JPEGImage
        do {
            image = try JPEGImage(jpeg: screenshot)
        } catch {
            try? await events.log("step \(step): refinement skipped, the screenshot could not be decoded (\(ErrorText.describe(error)))", level: "warning")
            return (action, 0)
        }
        var done = 0
        for _ in 0..<rounds {
            let region = Refinement.region(around: point, imageWidth: image.width, imageHeight: image.height)
            let crop = try image.cropped(to: region).jpeg(quality: jpegQuality)
            let messages = [
                ChatMessage(role: "system", content: systemPrompt),
                ShowUIPrompt.refinement(task: task, history: history, action: action, crop: crop),
            ]
            let reply = try await caller.complete(messages)
            let cropSize = ScreenSize(width: region.width, height: region.height)
            guard let refined = (try? ActionParser.parse(reply, mode: mode, screen: cropSize))?.first(where: { $0.position != nil && $0.endPosition == nil }),
                let local = refined.position
            else {
                try? await events.log("step \(step): refinement reply unusable, keeping the point found so far", level: "warning")
                break
            }
            point = Refinement.fullScreen(local, in: region, imageWidth: image.width, imageHeight: image.height)
            done += 1
        }
        var result = action
        result.position = point
        return (result, done)
    }

    /// A reply as quoted in a failure: bounded, on one line.
    static func quote(_ reply: String) -> String {
        let flat = reply.replacingOccurrences(of: "\n", with: " ")
        return "\"" + (flat.count > 500 ? String(flat.prefix(500)) + "…" : flat) + "\""
    }
}
