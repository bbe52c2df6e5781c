import Foundation
import GRDB
import HangarCore
public import HangarStore

/// The process directory and session owners (see `ProcessStore`). SQLite serves one process,
/// so this mostly records that process; the contract is the same as PostgreSQL's.
extension SQLiteStore {
    public func processHeartbeat(_ params: ProcessHeartbeatParams) async throws {
        let now = Date()
        try await write { db, _ in
            try db.execute(
                cached: """
                    INSERT INTO processes (id, kind, internal_url, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, internal_url = excluded.internal_url, heartbeat_at = excluded.heartbeat_at
                    """,
                arguments: [params.id, params.kind, params.internalURL, now.sqlite, now.sqlite])
        }
    }

    public func processList(liveWithin: Duration) async throws -> [ProcessRecord] {
        let since = Date().addingTimeInterval(-liveWithin.seconds)
        return try await read { db in
            try Row.fetchAll(
                db,
                cached: """
                    SELECT p.id, p.kind, p.internal_url, p.started_at, p.heartbeat_at,
                        (SELECT count(*) FROM browser_sessions s WHERE s.process_id = p.id)
                    FROM processes p WHERE p.heartbeat_at > ? ORDER BY p.started_at, p.id
                    """, arguments: [since.sqlite]
            ).map { row in
                ProcessRecord(
                    id: row[0], kind: row[1], internalURL: row[2], startedAt: Date(sqlite: row[3]), heartbeatAt: Date(sqlite: row[4]),
                    sessions: row[5])
            }
        }
    }

    public func processRemove(id: String) async throws {
        try await write { db, _ in
            try db.execute(cached: "DELETE FROM browser_sessions WHERE process_id = ?", arguments: [id])
            try db.execute(cached: "DELETE FROM processes WHERE id = ?", arguments: [id])
        }
    }

    public func processExpire(ttl: Duration, forgetAfter: Duration) async throws -> ProcessExpiry {
        let now = Date()
        return try await write { db, signals in
            let orphans = try Row.fetchAll(
                db,
                cached: """
                    SELECT t.id, t.owner_process, json_extract(t.input, '$.session_id'), json_extract(t.options, '$.session_id'), t.attempts
                    FROM tasks t
                    WHERE t.owner_process IS NOT NULL AND t.status = 'queued'
                      AND NOT EXISTS (SELECT 1 FROM processes p WHERE p.id = t.owner_process AND p.heartbeat_at > ?)
                    ORDER BY t.seq LIMIT 1000
                    """, arguments: [now.addingTimeInterval(-ttl.seconds).sqlite])
            for row in orphans {
                let session: String? = row[2] ?? row[3]
                let move = TaskTransitions.ownerGone(sessionID: session, processID: row[1], attempts: row[4])
                try SQLiteStore.apply(db, taskID: row[0], move, now: now, signals: &signals)
            }
            let cutoff = now.addingTimeInterval(-forgetAfter.seconds).sqlite
            let forgotten = try String.fetchAll(db, cached: "SELECT id FROM processes WHERE heartbeat_at < ? ORDER BY id", arguments: [cutoff])
            for id in forgotten {
                try db.execute(cached: "DELETE FROM browser_sessions WHERE process_id = ?", arguments: [id])
                try db.execute(cached: "DELETE FROM processes WHERE id = ?", arguments: [id])
            }
            return ProcessExpiry(failedTasks: orphans.map { $0[0] }, forgotten: forgotten)
        }
    }

    public func sessionRecord(_ session: SessionOwnerParams) async throws {
        let now = Date()
        try await write { db, _ in
            try db.execute(
                cached: """
                    INSERT INTO browser_sessions (id, tenant_id, process_id, created_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, process_id = excluded.process_id
                    """,
                arguments: [session.id, session.tenantID, session.processID, now.sqlite])
        }
    }

    public func sessionOwner(tenantID: String, id: String, liveWithin: Duration) async throws -> SessionOwner? {
        try await sessionOwners(tenantID: tenantID, id: id, liveWithin: liveWithin).first
    }

    public func sessionList(tenantID: String, liveWithin: Duration) async throws -> [SessionOwner] {
        try await sessionOwners(tenantID: tenantID, id: nil, liveWithin: liveWithin)
    }

    private func sessionOwners(tenantID: String, id: String?, liveWithin: Duration) async throws -> [SessionOwner] {
        let since = Date().addingTimeInterval(-liveWithin.seconds)
        return try await read { db in
            try Row.fetchAll(
                db,
                cached: """
                    SELECT s.id, s.tenant_id, s.process_id, p.internal_url, p.heartbeat_at, s.created_at
                    FROM browser_sessions s LEFT JOIN processes p ON p.id = s.process_id
                    WHERE s.tenant_id = ? AND (? IS NULL OR s.id = ?) ORDER BY s.created_at, s.id
                    """, arguments: [tenantID, id, id]
            ).map { row in
                let heartbeat = (row[4] as Double?).map(Date.init(sqlite:))
                return SessionOwner(
                    sessionID: row[0], tenantID: row[1], processID: row[2], internalURL: row[3], heartbeatAt: heartbeat,
                    alive: heartbeat.map { $0 > since } ?? false, createdAt: Date(sqlite: row[5]))
            }
        }
    }

    public func sessionRemove(id: String) async throws {
        try await write { db, _ in
            try db.execute(cached: "DELETE FROM browser_sessions WHERE id = ?", arguments: [id])
        }
    }
}
