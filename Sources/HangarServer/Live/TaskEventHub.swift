import Foundation
import HangarCore
import HangarRuntime
import HangarStore

/// Fans one task's events out to every WebSocket watching it in this process: one reader per
/// watched task fetches each new event from the store once and encodes its messages once;
/// watchers take them from a bounded ring. A watcher whose position is older than the ring
/// (resuming far back) reads that part from the store itself, then joins the ring.
///
/// A task's feed lives exactly as long as it has watchers: the last `unsubscribe` drops it and
/// cancels its reader, so the hub holds only tasks someone is watching now (the
/// `task_event_feeds` gauge counts them).
actor TaskEventHub {
    /// The encoded messages of one event.
    struct Entry: Sendable {
        let seq: Int64
        let messages: [String]
        let isFinal: Bool
    }

    private final class Feed {
        var entries: [Entry] = []
        /// The seq before the first entry kept (the ring covers `start+1 … last`).
        var start: Int64
        var last: Int64
        var finished = false
        var watchers: [Int: WakeSignal] = [:]
        var reader: Task<Void, Never>?

        init(after: Int64) {
            start = after
            last = after
        }
    }

    let store: any TaskFeedStore
    let capacity: Int
    let metrics: HangarMetrics
    private var feeds: [String: Feed] = [:]
    private var nextID = 0

    init(store: any TaskFeedStore, capacity: Int = 4096, metrics: HangarMetrics = .shared) {
        self.store = store
        self.capacity = capacity
        self.metrics = metrics
    }

    /// Tasks with a feed (a reader and at least one watcher) in this hub.
    var feedCount: Int { feeds.count }

    /// Registers a watcher starting after `after`; its signal fires when new entries arrive.
    func subscribe(taskID: String, after: Int64) -> (id: Int, wake: WakeSignal) {
        nextID += 1
        let wake = WakeSignal()
        let feed: Feed
        if let existing = feeds[taskID] {
            feed = existing
        } else {
            feed = Feed(after: after)
            feeds[taskID] = feed
            metrics.taskEventFeeds(feeds.count)
            feed.reader = Task { await self.read(taskID: taskID, feed: feed) }
        }
        feed.watchers[nextID] = wake
        return (nextID, wake)
    }

    func unsubscribe(taskID: String, id: Int) {
        guard let feed = feeds[taskID] else { return }
        feed.watchers[id] = nil
        if feed.watchers.isEmpty {
            feed.reader?.cancel()
            feeds[taskID] = nil
            metrics.taskEventFeeds(feeds.count)
        }
    }

    enum Page: Sendable {
        /// Entries after the position (maybe none yet), and whether the task has ended.
        case entries([Entry], finished: Bool)
        /// The position is older than the ring: read the store up to `ringStart`.
        case behind(ringStart: Int64)
    }

    func page(taskID: String, after: Int64, limit: Int = 500) -> Page {
        guard let feed = feeds[taskID] else { return .entries([], finished: true) }
        if after < feed.start { return .behind(ringStart: feed.start) }
        let firstIndex = feed.entries.firstIndex { $0.seq > after } ?? feed.entries.count
        let slice = feed.entries[firstIndex..<min(feed.entries.count, firstIndex + limit)]
        return .entries(Array(slice), finished: feed.finished && firstIndex + slice.count == feed.entries.count)
    }

    /// The reader: follows the task's log until its final status (`TaskEventStream`). It
    /// serves `feed` only: once that feed is dropped (its last watcher left) a newer feed of the
    /// same task may take its place, and this reader must neither fill nor finish it.
    private func read(taskID: String, feed: Feed) async {
        do {
            try await TaskEventStream(store: store, taskID: taskID).follow(after: feed.last, keepAlive: .seconds(15)) { item in
                guard case .events(let events, let finished) = item else { return }
                guard feeds[taskID] === feed else { throw CancellationError() }
                append(events, finished: finished, to: feed)
            }
        } catch {}
        // Followed to the end, the task gone, or the store failing: either way nothing more comes.
        if feeds[taskID] === feed { finish(feed) }
    }

    private func append(_ events: [TaskEvent], finished: TaskRecord?, to feed: Feed) {
        for event in events {
            let isFinal = event.finalStatus != nil
            let messages = LiveMessages.messages(for: event, task: isFinal ? finished : nil).map(JSONText.encode)
            feed.entries.append(Entry(seq: event.seq, messages: messages, isFinal: isFinal))
            feed.last = event.seq
        }
        if feed.entries.count > capacity {
            let drop = feed.entries.count - capacity
            feed.start = feed.entries[drop - 1].seq
            feed.entries.removeFirst(drop)
        }
        for wake in feed.watchers.values { wake.signal() }
    }

    private func finish(_ feed: Feed) {
        feed.finished = true
        for wake in feed.watchers.values { wake.signal() }
    }
}
