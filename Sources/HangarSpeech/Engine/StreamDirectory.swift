import Foundation
import HangarCore

/// The streams held in memory: `speak` requests (kept `requestRetention` after they finish,
/// at most `maximumStoredRequests` of them with `maximumStoredAudioBytes` of audio in all,
/// oldest dropped first) and
/// sessions (at most `maximumSessions` held, open or recently finished). Nothing here
/// survives a restart.
actor StreamDirectory {
    private var requests: [String: SpeechStream] = [:]
    private var requestOrder: [String] = []
    private var sessions: [String: SpeechStream] = [:]
    let limits: SpeechConfiguration.Limits

    init(limits: SpeechConfiguration.Limits) {
        self.limits = limits
    }

    func request(_ id: String, tenantID: String) throws -> SpeechStream {
        guard let stream = requests[id], stream.tenantID == tenantID else { throw HangarError.notFound(resource: "speech request", id: id) }
        return stream
    }

    func session(_ id: String, tenantID: String) throws -> SpeechStream {
        guard let stream = sessions[id], stream.tenantID == tenantID else { throw HangarError.notFound(resource: "speech session", id: id) }
        return stream
    }

    func addRequest(_ stream: SpeechStream) async throws {
        await sweep()
        var active = 0
        for id in requestOrder { if let request = requests[id], await !request.isFinished { active += 1 } }
        guard active < limits.maximumActiveRequests else {
            throw SpeechError.limit("\(active) speech requests are being synthesised (limit \(limits.maximumActiveRequests))", retryAfterSeconds: 1)
        }
        requests[stream.id] = stream
        requestOrder.append(stream.id)
    }

    func addSession(_ stream: SpeechStream) async throws {
        if sessions.count >= limits.maximumSessions { await sweep(dropFinishedSessions: true) }
        guard sessions.count < limits.maximumSessions else {
            throw SpeechError.limit(
                "\(sessions.count) speech sessions are open (limit \(limits.maximumSessions)); stop one first",
                retryAfterSeconds: 5
            )
        }
        sessions[stream.id] = stream
    }

    /// The tenant's streams (all tenants' when nil).
    func all(tenantID: String?) -> (requests: [SpeechStream], sessions: [SpeechStream]) {
        let requests = requestOrder.compactMap { self.requests[$0] }.filter { tenantID == nil || $0.tenantID == tenantID }
        let sessions = sessions.values.filter { tenantID == nil || $0.tenantID == tenantID }
        return (requests, Array(sessions))
    }

    var counts: (requests: Int, sessions: Int) { (requests.count, sessions.count) }

    /// Forgets expired streams (cancelling idle sessions) and the oldest finished requests
    /// beyond the audio limit.
    func sweep(dropFinishedSessions: Bool = false) async {
        let now = ContinuousClock.now
        for (id, session) in sessions {
            let finished = await session.isFinished
            let expired = await session.expired(now: now, limits: limits)
            if expired || (dropFinishedSessions && finished) {
                await session.stop(cancel: true)
                sessions.removeValue(forKey: id)
            }
        }
        var held = 0
        var kept: [String] = []
        for id in requestOrder.reversed() {
            guard let request = requests[id] else { continue }
            let finished = await request.isFinished
            if await request.expired(now: now, limits: limits) {
                requests.removeValue(forKey: id)
                continue
            }
            let bytes = await request.heldBytes
            if finished, held + bytes > limits.maximumStoredAudioBytes || kept.count >= limits.maximumStoredRequests {
                requests.removeValue(forKey: id)
                continue
            }
            held += bytes
            kept.append(id)
        }
        let live = Set(kept)
        requestOrder.removeAll { !live.contains($0) }
    }

    /// Cancels everything (shutdown).
    func cancelAll() async {
        for stream in Array(requests.values) + Array(sessions.values) { await stream.stop(cancel: true) }
    }
}
