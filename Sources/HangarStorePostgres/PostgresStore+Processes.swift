import Foundation
import HangarCore
public import HangarStore
import PostgresNIO

/// The process directory and session owners (see `ProcessStore`). Liveness is judged by the
/// database's clock, so processes on machines whose clocks differ agree on who is alive.
extension PostgresStore {
    public func processHeartbeat(_ params: ProcessHeartbeatParams) async throws {
        _ = try await query(
            """
            INSERT INTO processes (id, kind, internal_url, started_at, heartbeat_at)
            VALUES (\(params.id), \(params.kind), \(params.internalURL), now(), now())
            ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, internal_url = EXCLUDED.internal_url, heartbeat_at = now()
            """, logger: logger)
    }

    public func processList(liveWithin: Duration) async throws -> [ProcessRecord] {
        try await query(
            """
            SELECT p.id, p.kind, p.internal_url, p.started_at, p.heartbeat_at,
                (SELECT count(*) FROM browser_sessions s WHERE s.process_id = p.id)::bigint
            FROM processes p WHERE p.heartbeat_at > now() - \(liveWithin.seconds) * interval '1 second'
            ORDER BY p.started_at, p.id
            """, logger: logger
        ).all { row in
            let (id, kind, url, started, heartbeat, sessions) = try row.decode((String, String, String?, Date, Date, Int).self)
            return ProcessRecord(id: id, kind: kind, internalURL: url, startedAt: started, heartbeatAt: heartbeat, sessions: sessions)
        }
    }

    public func processRemove(id: String) async throws {
        try await transaction { connection, _ in
            try await connection.query("DELETE FROM browser_sessions WHERE process_id = \(id)", logger: self.logger)
            try await connection.query("DELETE FROM processes WHERE id = \(id)", logger: self.logger)
        }
    }

    public func processExpire(ttl: Duration, forgetAfter: Duration) async throws -> ProcessExpiry {
        try await transaction { connection, signals in
            // Pinned queued tasks whose owner is silent past the ttl, or whose row is gone.
            let orphans = try await connection.query(
                """
                SELECT t.id, t.owner_process, t.input->>'session_id', t.options->>'session_id', t.attempts FROM tasks t
                WHERE t.owner_process IS NOT NULL AND t.status = 'queued'
                  AND NOT EXISTS (
                      SELECT 1 FROM processes p
                      WHERE p.id = t.owner_process AND p.heartbeat_at > now() - \(ttl.seconds) * interval '1 second')
                ORDER BY t.seq LIMIT 1000 FOR UPDATE OF t SKIP LOCKED
                """, logger: self.logger
            ).all { try $0.decode((String, String, String?, String?, Int).self) }
            for (id, owner, inputSession, optionSession, attempts) in orphans {
                let move = TaskTransitions.ownerGone(sessionID: inputSession ?? optionSession, processID: owner, attempts: attempts)
                try await self.apply(connection, taskID: id, move, signals: &signals)
            }
            let forgotten = try await connection.query(
                """
                DELETE FROM processes WHERE heartbeat_at < now() - \(forgetAfter.seconds) * interval '1 second' RETURNING id
                """, logger: self.logger
            ).all { try $0.decode(String.self) }
            if !forgotten.isEmpty {
                try await connection.query("DELETE FROM browser_sessions WHERE process_id = ANY(\(forgotten)::text[])", logger: self.logger)
            }
            return ProcessExpiry(failedTasks: orphans.map(\.0), forgotten: forgotten.sorted())
        }
    }

    public func sessionRecord(_ session: SessionOwnerParams) async throws {
        _ = try await query(
            """
            INSERT INTO browser_sessions (id, tenant_id, process_id, created_at) VALUES (\(session.id), \(session.tenantID), \(session.processID), now())
            ON CONFLICT (id) DO UPDATE SET tenant_id = EXCLUDED.tenant_id, process_id = EXCLUDED.process_id
            """, logger: logger)
    }

    public func sessionOwner(tenantID: String, id: String, liveWithin: Duration) async throws -> SessionOwner? {
        try await sessionOwners(tenantID: tenantID, id: id, liveWithin: liveWithin).first
    }

    public func sessionList(tenantID: String, liveWithin: Duration) async throws -> [SessionOwner] {
        try await sessionOwners(tenantID: tenantID, id: nil, liveWithin: liveWithin)
    }

    private func sessionOwners(tenantID: String, id: String?, liveWithin: Duration) async throws -> [SessionOwner] {
        try await query(
            """
            SELECT s.id, s.tenant_id, s.process_id, p.internal_url, p.heartbeat_at,
                coalesce(p.heartbeat_at > now() - \(liveWithin.seconds) * interval '1 second', false), s.created_at
            FROM browser_sessions s LEFT JOIN processes p ON p.id = s.process_id
            WHERE s.tenant_id = \(tenantID) AND (\(id)::text IS NULL OR s.id = \(id))
            ORDER BY s.created_at, s.id
            """, logger: logger
        ).all { row in
            let (sessionID, tenant, process, url, heartbeat, alive, created) = try row.decode((String, String, String, String?, Date?, Bool, Date).self)
            return SessionOwner(
                sessionID: sessionID, tenantID: tenant, processID: process, internalURL: url, heartbeatAt: heartbeat, alive: alive, createdAt: created)
        }
    }

    public func sessionRemove(id: String) async throws {
        _ = try await query("DELETE FROM browser_sessions WHERE id = \(id)", logger: logger)
    }
}
