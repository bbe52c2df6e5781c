// Time to first audio and real-time factor of Hangar's speech pipeline with espeak-ng.
//
//   swift run -c release hangar-speech-bench [runs] [parallel]
//
// For each text: the whole-text path (`POST /api/v1/tts/speak` with `Accept: audio/wav`:
// the first audio is the finished file), a session given the whole text at once, and a
// session fed like an LLM streams (4 characters every 20 ms), listened to in real time
// (underruns counted over its first 5 s).
// Figures go to docs/speech.md.
import Foundation
import HangarSpeech
import HangarTimers

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let runs = arguments.first ?? 15
let parallel = arguments.dropFirst().first ?? 2

let texts: [(String, String)] = [
    ("1 sentence", "I'm now searching for Python tutorials on YouTube, starting with the most popular ones."),
    (
        "paragraph",
        String(repeating: "The page has loaded, and the search box is at the top of the screen. I'm typing the query and pressing enter. ", count: 3)
    ),
    (
        "long text",
        String(
            repeating:
                "The results are sorted by relevance, and the first few look promising. I'll open the second one, since it is more recent, and read the summary before deciding. ",
            count: 8
        )
    ),
]

func milliseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1000 + Double(attoseconds) / 1e15
}

struct Summary {
    var values: [Double]
    var median: Double { values.sorted()[values.count / 2] }
    var p90: Double { values.sorted()[min(values.count - 1, Int(Double(values.count) * 0.9))] }
    func format(_ digits: Int = 0) -> String { String(format: "%.\(digits)f / %.\(digits)f", median, p90) }
}

var configuration = SpeechConfiguration(voicesDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("hangar-bench-voices"))
configuration.parallel = parallel
let service = SpeechService(configuration: configuration)
if let problem = await service.engine.synthesizer.readiness() {
    print("espeak-ng is needed: \(problem)")
    exit(1)
}

// One espeak-ng segment, start to finish (process start, synthesis, WAV read).
var processTimes: [Double] = []
for _ in 0..<runs {
    let start = ContinuousClock.now
    _ = try await service.engine.synthesizer.synthesize(SynthesisRequest(text: "Hi.", voice: .builtin(id: "default")))
    processTimes.append(milliseconds(ContinuousClock.now - start))
}

print(
    "| text | chars | audio s | whole text: first audio ms | RTF | session, whole text: first audio ms | session, LLM-paced: first audio ms | underruns in 5 s |"
)
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for (name, text) in texts {
    var whole: [Double] = []
    var factors: [Double] = []
    var sessionFirst: [Double] = []
    var paced: [Double] = []
    var audioSeconds = 0.0
    var underruns = 0
    for _ in 0..<runs {
        // Whole text: the audio exists when synthesis of everything has finished.
        let start = ContinuousClock.now
        let request = try await service.speak(text: text, voiceID: nil, params: .neutral, tenantID: "bench")
        await request.waitUntilFinished()
        let elapsed = ContinuousClock.now - start
        audioSeconds = Double(await request.info().durationMilliseconds) / 1000
        whole.append(milliseconds(elapsed))
        factors.append(milliseconds(elapsed) / 1000 / audioSeconds)

        // A session given the whole text at once, listened to in bursts.
        let session = try await service.startSession(voiceID: nil, params: .neutral, tenantID: "bench")
        var listener = await SpeechListener.attach(to: session, from: 0, pace: .burst, configuration: configuration)
        let sent = ContinuousClock.now
        _ = try await service.addText(sessionID: session.id, text: text, flush: true, voiceID: nil, params: nil, tenantID: "bench")
        _ = await listener.next()
        sessionFirst.append(milliseconds(ContinuousClock.now - sent))
        _ = try await service.stopSession(sessionID: session.id, cancel: true, tenantID: "bench")
        await listener.detach()

        // A session fed like an LLM's output (4 characters every 20 ms), listened to in real time.
        let live = try await service.startSession(voiceID: nil, params: .neutral, tenantID: "bench")
        let realtime = await SpeechListener.attach(to: live, from: 0, pace: .realtime, configuration: configuration)
        let first = ContinuousClock.now
        let feeding = Task {
            var index = text.startIndex
            while index < text.endIndex {
                let end = text.index(index, offsetBy: 4, limitedBy: text.endIndex) ?? text.endIndex
                _ = try await service.addText(
                    sessionID: live.id,
                    text: String(text[index..<end]),
                    flush: false,
                    voiceID: nil,
                    params: nil,
                    tenantID: "bench"
                )
                index = end
                try await Timers.sleep(for: .milliseconds(20))
            }
            _ = try await service.stopSession(sessionID: live.id, cancel: false, tenantID: "bench")
        }
        var pacedListener = realtime
        _ = await pacedListener.next()
        paced.append(milliseconds(ContinuousClock.now - first))
        // Five seconds of real-time playback while the text still trickles in.
        for _ in 0..<250 where await pacedListener.next() != nil {}
        underruns += pacedListener.underruns
        feeding.cancel()
        _ = try await service.stopSession(sessionID: live.id, cancel: true, tenantID: "bench")
        await pacedListener.detach()
    }
    print(
        "| \(name) | \(text.count) | \(String(format: "%.1f", audioSeconds)) | \(Summary(values: whole).format()) | \(Summary(values: factors).format(3)) | \(Summary(values: sessionFirst).format()) | \(Summary(values: paced).format()) | \(underruns) |"
    )
}
print("")
print("median / p90 over \(runs) runs; YAP_PARALLEL=\(parallel); \(ProcessInfo.processInfo.activeProcessorCount) cores")
print("one espeak-ng segment (\"Hi.\": process start, synthesis, WAV read): \(Summary(values: processTimes).format(1)) ms")
await service.shutdown()
