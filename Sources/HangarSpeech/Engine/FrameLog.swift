/// The frames a stream has produced, numbered from 0 in order of production. Old frames are
/// dropped from the front (`drop`, `clear`) but numbers never restart, so a listener's
/// position stays meaningful, and one that reconnects can resume where it stopped.
struct FrameLog: Sendable {
    let samplesPerFrame: Int
    /// The number of the oldest frame still held.
    private(set) var base = 0
    private var storage: [Int16] = []
    private var head = 0

    init(samplesPerFrame: Int) {
        self.samplesPerFrame = samplesPerFrame
    }

    /// One past the newest frame.
    var end: Int { base + (storage.count - head) / samplesPerFrame }
    var retained: Int { end - base }
    var retainedBytes: Int { (storage.count - head) * 2 }

    /// Appends whole frames.
    mutating func append(_ samples: [Int16]) {
        precondition(samples.count % samplesPerFrame == 0, "frames must be whole")
        storage.append(contentsOf: samples)
    }

    /// Up to `count` frames from `start` (or from `base` if those are gone), and the number of the first.
    func frames(from start: Int, count: Int) -> (first: Int, samples: [Int16]) {
        let first = max(start, base)
        let available = max(0, min(count, end - first))
        // A start beyond the newest frame (a client resuming "from" the future) waits there.
        guard available > 0 else { return (first, []) }
        let offset = head + (first - base) * samplesPerFrame
        return (first, Array(storage[offset..<offset + available * samplesPerFrame]))
    }

    /// Forgets frames before `frame`.
    mutating func drop(before frame: Int) {
        let count = min(frame, end) - base
        guard count > 0 else { return }
        head += count * samplesPerFrame
        base += count
        if head >= 1 << 16, head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
    }

    /// Forgets every frame held (the numbering continues).
    mutating func clear() {
        base = end
        storage.removeAll()
        head = 0
    }

    /// Every frame held, in order.
    var samples: ArraySlice<Int16> { storage[head...] }
}
