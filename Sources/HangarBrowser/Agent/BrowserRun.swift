import Foundation
import HangarErrorText
import HangarBlobs
import HangarCapture
import HangarCore
import HangarRuntime

/// One task on one environment: screenshot → model → action, until the model answers or
/// `max_steps` run out. Everything a step produces (the action, the model's text, timings,
/// the screenshot's key) goes into a `step` event as it happens.
struct BrowserRun: Sendable {
    let context: TaskContext
    let input: BrowserInput
    let maxSteps: Int
    let environment: any BrowserEnvironment
    var planner: ActionPlanner
    let blobs: (any BlobStore)?
    let capture: (any EpisodeRecorderFactory)?
    let jpegQuality: Int

    struct Outcome: Sendable {
        var output: JSONValue
        var usage: JSONValue
    }

    mutating func execute() async throws -> Outcome {
        if let url = input.url { try await environment.navigate(to: url) }
        let screen = try await environment.screenSize()
        let recorder = try await startCapture(screen: screen)
        do {
            var outcome = try await loop(screen: screen, recorder: recorder)
            if let recorder, case .object(var fields) = outcome.output {
                fields["capture"] = await finishCapture(recorder)
                outcome.output = .object(fields)
            }
            return outcome
        } catch {
            await recorder?.discard()
            throw error
        }
    }

    private mutating func loop(screen: ScreenSize, recorder: (any EpisodeRecorder)?) async throws -> Outcome {
        var history: [BrowserAction] = []
        var steps: [JSONValue] = []
        var screenshots: [String] = []
        // Further actions of a reply that held several, performed before asking again.
        var pending: [BrowserAction] = []
        var raw = ""
        var answer: String?

        for step in 1...maxSteps {
            try Task.checkCancellation()
            let started = ContinuousClock.now
            let screenshot = try await environment.screenshot(quality: jpegQuality)
            let shot = ContinuousClock.now
            var modelCalls = 0
            if pending.isEmpty {
                let before = planner.caller.calls
                let decision = try await planner.next(step: step, history: history, screenshot: screenshot, screen: screen)
                pending = decision.actions
                raw = decision.raw
                modelCalls = planner.caller.calls - before
            }
            var action = pending.removeFirst()
            var refined = 0
            if input.refinementSteps > 0 {
                let before = planner.caller.calls
                (action, refined) = try await planner.refine(
                    action, rounds: input.refinementSteps, step: step, history: history, screenshot: screenshot)
                modelCalls += planner.caller.calls - before
            }
            let decided = ContinuousClock.now
            if action.kind == .answer {
                answer = action.value ?? ""
            } else {
                try await environment.perform(action)
            }
            let acted = ContinuousClock.now
            let page = try? await environment.page()

            var key: String?
            if input.saveScreenshots, let blobs {
                let name = "screenshots/\(context.task.id)/\(step).jpg"
                do {
                    try await blobs.put(name, data: screenshot, contentType: "image/jpeg")
                } catch let fault as BlobStoreFault {
                    // Passes by itself (space freed, S3 back): another attempt may succeed.
                    throw TaskFailure(code: "blob_store_\(fault.kind.rawValue)", message: fault.detail, retryable: true)
                }
                key = name
                screenshots.append(name)
            }
            if let recorder {
                await recorder.recordFrame(screenshot)
                await recorder.recordAction(action.json, raw: raw)
            }

            var event: [String: JSONValue] = [
                "step": .int(Int64(step)), "action": action.json, "raw": .string(Self.bounded(raw)), "model_calls": .int(Int64(modelCalls)),
                "timings": [
                    "screenshot_ms": Self.ms(shot - started), "model_ms": Self.ms(decided - shot), "action_ms": Self.ms(acted - decided),
                    "total_ms": Self.ms(acted - started),
                ],
            ]
            if refined > 0 { event["refinement_rounds"] = .int(Int64(refined)) }
            if let key { event["screenshot"] = .string(key) }
            if let url = page?.url { event["url"] = .string(url) }
            if let title = page?.title { event["title"] = .string(title) }
            try await context.events.emit(NewTaskEvent.Kind.step, .object(event))
            try? await context.events.progress(Double(step) / Double(maxSteps) * 100, message: "step \(step): \(action.kind.rawValue)")
            await context.narrate("Step \(step): \(action.narration(screen: screen))")

            steps.append(["step": .int(Int64(step)), "action": action.json, "raw": .string(Self.bounded(raw))])
            history.append(action)
            if answer != nil { break }
        }

        if answer == nil { try? await context.events.log("stopped after max_steps (\(maxSteps)) without an answer", level: "warning") }
        let final = try? await environment.page()
        let output: JSONValue = [
            "answer": answer.map(JSONValue.string) ?? .null, "completed": .bool(answer != nil),
            "stop_reason": answer != nil ? "answer" : "max_steps", "steps": .array(steps), "final_url": final?.url.map(JSONValue.string) ?? .null,
            "final_title": final?.title.map(JSONValue.string) ?? .null, "screenshots": .array(screenshots.map(JSONValue.string)),
            "capture": .null, "mode": .string(input.mode.rawValue), "environment": .string(environment.kind),
        ]
        return Outcome(output: output, usage: planner.caller.usage)
    }

    private func startCapture(screen: ScreenSize) async throws -> (any EpisodeRecorder)? {
        guard input.enableCapture, let capture else { return nil }
        let environment = self.environment
        let quality = jpegQuality
        let start = EpisodeStart(
            tenantID: context.agent.tenantID, taskID: context.task.id, taskDescription: input.task, screenWidth: screen.width,
            screenHeight: screen.height,
            agent: ["id": .string(context.agent.id), "name": .string(context.agent.name), "model": .string(planner.caller.modelName)],
            fps: input.captureFPS, jpegQuality: input.captureJPEGQuality, minFrames: input.captureMinFrames, timeoutSeconds: input.captureTimeout)
        do {
            return try await capture.startEpisode(start) { try await environment.screenshot(quality: quality) }
        } catch {
            // Capture serves training; it does not get to fail the user's task.
            try? await context.events.log("capture could not start: \(ErrorText.describe(error))", level: "warning")
            return nil
        }
    }

    private func finishCapture(_ recorder: any EpisodeRecorder) async -> JSONValue {
        do {
            let summary = try await recorder.finish()
            return [
                "episode_id": .string(summary.id), "status": .string(summary.status), "frames": .int(Int64(summary.numFrames)),
                "actions": .int(Int64(summary.numActions)), "archive_key": summary.archiveKey.map(JSONValue.string) ?? .null,
                "started_at": .string(Timestamp.format(summary.startedAt)), "ended_at": .string(Timestamp.format(summary.endedAt)),
            ]
        } catch {
            try? await context.events.log("capture could not be written: \(ErrorText.describe(error))", level: "warning")
            return ["episode_id": .string(recorder.id), "status": "failed", "error": .string(ErrorText.describe(error))]
        }
    }

    /// A model's text as events and the output keep it: a rambling model must not bloat the log.
    static func bounded(_ text: String) -> String {
        text.count > 4000 ? String(text.prefix(4000)) + "…" : text
    }

    static func ms(_ duration: Duration) -> JSONValue {
        .int(Int64((duration.seconds * 1000).rounded()))
    }
}
