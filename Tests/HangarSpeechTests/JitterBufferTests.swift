import HangarSpeech
import Testing

@Suite("Jitter buffer")
struct JitterBufferTests {
    @Test("waits for the target, plays, fills underruns with silence and deepens, tells idle from late")
    func decisions() {
        var jitter = JitterBuffer(target: 3, maximumTarget: 5)
        #expect(jitter.decide(available: 0, producing: true, finished: false) == .wait)
        #expect(jitter.decide(available: 2, producing: true, finished: false) == .wait)
        #expect(jitter.decide(available: 3, producing: true, finished: false) == .play)
        #expect(jitter.decide(available: 1, producing: true, finished: false) == .play)
        #expect(jitter.decide(available: 0, producing: true, finished: false) == .silence(underrun: true))
        #expect(jitter.underruns == 1 && jitter.target == 4)
        #expect(jitter.decide(available: 3, producing: true, finished: false) == .silence(underrun: false))  // rebuffering to 4
        #expect(jitter.decide(available: 4, producing: true, finished: false) == .play)
        #expect(jitter.decide(available: 0, producing: false, finished: false) == .silence(underrun: false))  // idle: waiting for text
        #expect(jitter.underruns == 1)
        #expect(jitter.decide(available: 1, producing: false, finished: false) == .play)  // nothing more coming soon: play what there is
        #expect(jitter.decide(available: 0, producing: false, finished: true) == .end)
        var late = JitterBuffer(target: 2, maximumTarget: 2)
        _ = late.decide(available: 2, producing: true, finished: false)
        _ = late.decide(available: 0, producing: true, finished: false)
        _ = late.decide(available: 2, producing: true, finished: false)
        _ = late.decide(available: 0, producing: true, finished: false)
        #expect(late.target == 2 && late.underruns == 2)
    }
}
