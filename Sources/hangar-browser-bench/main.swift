// One browser step's overhead without a model, on real headless Chromium:
// a JPEG screenshot (q85), its encoding as the data: URL the vision model receives, one
// action, and appending the step's event to a SQLite store.
//
//   swift run -c release hangar-browser-bench [iterations]
//
// Runs at 1280×720 and 1920×1080 and prints p50/p99 per phase and for the whole step.
// Actions alternate CLICK (on blank page space) and SCROLL down/up; the environment's
// settle delay is set to zero so the figures are the protocol's cost, not a fixed sleep.
import Foundation
import HangarBackends
import HangarBrowser
import HangarCore
import HangarStore

let iterations = max(CommandLine.arguments.dropFirst().compactMap { Int($0) }.first ?? 50, 1)
let warmup = 5

func milliseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1000 + Double(attoseconds) / 1e15
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    let index = min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))
    return sorted[index]
}

let page =
    "data:text/html,<title>bench</title><body style='font:18px sans-serif'>"
    + (1...400).map { "<p>Row \($0): the quick brown fox jumps over the lazy dog</p>" }.joined() + "</body>"

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-browser-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
let store = try StoreFactory.open(databaseURL: directory.appendingPathComponent("bench.sqlite").path, dataDir: directory.path)
try await store.migrate()
let agent = try await store.agentInsert(AgentInsertParams(tenantID: Tenant.defaultID, name: "bench", kind: "browser"))
let task = try await store.taskInsert(TaskInsertParams(tenantID: Tenant.defaultID, agentID: agent.id, input: ["task": "bench"])).task

print("hangar-browser-bench: \(iterations) steps per resolution (+\(warmup) warm-up), times in ms")
print("resolution  phase        p50      p99")
for screen in [ScreenSize(width: 1280, height: 720), ScreenSize(width: 1920, height: 1080)] {
    let env = try await CDPEnvironment.launch(options: CDPEnvironmentOptions(screen: screen, settleDelay: .zero))
    do {
        try await env.navigate(to: page)
        var phases: [String: [Double]] = ["screenshot": [], "encode": [], "action": [], "event": [], "total": []]
        var bytes = 0
        let label = "\(screen.width)×\(screen.height)".padding(toLength: 10, withPad: " ", startingAt: 0)
        let clock = ContinuousClock()
        for step in 0..<(iterations + warmup) {
            let action: BrowserAction =
                switch step % 3 {
                case 0: BrowserAction(kind: .click, position: RelativePoint(x: 0.9, y: 0.5))
                case 1: BrowserAction(kind: .scroll, value: "down")
                default: BrowserAction(kind: .scroll, value: "up")
                }
            let start = clock.now
            let jpeg = try await env.screenshot(quality: 85)
            let shot = clock.now
            let image = "data:image/jpeg;base64," + jpeg.base64EncodedString()
            let encoded = clock.now
            try await env.perform(action)
            let acted = clock.now
            _ = try await store.eventAppend(
                EventAppendParams(
                    taskID: task.id,
                    events: [
                        NewTaskEvent(
                            type: "step",
                            data: ["step": .int(Int64(step)), "action": action.json, "screenshot_bytes": .int(Int64(jpeg.count)), "image_chars": .int(Int64(image.utf8.count))])
                    ]))
            let stored = clock.now
            guard step >= warmup else { continue }
            bytes += jpeg.count
            phases["screenshot", default: []].append(milliseconds(shot - start))
            phases["encode", default: []].append(milliseconds(encoded - shot))
            phases["action", default: []].append(milliseconds(acted - encoded))
            phases["event", default: []].append(milliseconds(stored - acted))
            phases["total", default: []].append(milliseconds(stored - start))
        }
        for phase in ["screenshot", "encode", "action", "event", "total"] {
            let values = phases[phase] ?? []
            let figures = String(format: "%7.2f  %7.2f", percentile(values, 0.5), percentile(values, 0.99))
            print(label, phase.padding(toLength: 10, withPad: " ", startingAt: 0), figures)
        }
        print(label, "mean JPEG ", String(format: "%7.0f KB", Double(bytes) / Double(iterations) / 1024))
    } catch {
        await env.close()
        throw error
    }
    await env.close()
}
