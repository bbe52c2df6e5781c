@testable import HangarSpeech
import Testing

@Suite("Frame log")
struct FrameLogTests {
    @Test("reads from before the oldest, inside, and beyond the newest frame (found by fuzzing: `from` past the end crashed)")
    func ranges() {
        var log = FrameLog(samplesPerFrame: 2)
        log.append([1, 1, 2, 2, 3, 3, 4, 4])
        log.drop(before: 1)
        #expect(log.frames(from: 0, count: 2) == (1, [2, 2, 3, 3]), "gone frames start at the oldest held")
        #expect(log.frames(from: 3, count: 5) == (3, [4, 4]))
        #expect(log.frames(from: 4, count: 5) == (4, []), "at the end: nothing yet")
        #expect(log.frames(from: 1_000_000, count: 5) == (1_000_000, []), "far beyond the end: nothing, no crash")
        log.clear()
        #expect(log.frames(from: 2, count: 1) == (4, []))
    }
}
