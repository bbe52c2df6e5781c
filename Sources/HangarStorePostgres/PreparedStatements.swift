import Logging
import PostgresNIO
import Synchronization

/// Statements Hangar runs on every task (submit, claim, start, event, completion, the agent
/// and quota lookups of a submission) go as named prepared statements: PostgreSQL parses and
/// plans each once per connection instead of on every call. Unprepared, planning alone cost
/// as much server time as executing under a no-op flood (`pg_stat_statements`).
///
/// A shape names one such statement. Its SQL is the text of the first `PostgresQuery` run
/// under it — built by the same code as every later one, so the two cannot drift; a call
/// whose text differs (a query whose text depends on its values) simply runs unprepared.
protocol StatementShape: Sendable {
    static var slot: SQLSlot { get }
}

/// The text a shape was prepared with, set once.
final class SQLSlot: Sendable {
    private let text = Mutex<String?>(nil)

    var sql: String { text.withLock { $0 ?? "" } }

    /// Whether `sql` is this shape's text (taking it when none is set yet).
    func adopt(_ sql: String) -> Bool {
        text.withLock { current in
            guard let current else {
                current = sql
                return true
            }
            return current == sql
        }
    }
}

struct Prepared<Shape: StatementShape>: PostgresPreparedStatement {
    typealias Row = PostgresRow
    static var name: String { "hangar_\(Shape.self)" }
    static var sql: String { Shape.slot.sql }

    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// The shapes of the hot statements.
enum Shapes {
    enum TaskInsertBatch: StatementShape { static let slot = SQLSlot() }
    enum ClaimCandidates: StatementShape { static let slot = SQLSlot() }
    enum TaskStart: StatementShape { static let slot = SQLSlot() }
    enum EventAppend: StatementShape { static let slot = SQLSlot() }
    enum CompletionBatch: StatementShape { static let slot = SQLSlot() }
    enum AgentGet: StatementShape { static let slot = SQLSlot() }
    enum QuotaGet: StatementShape { static let slot = SQLSlot() }
    enum TaskGet: StatementShape { static let slot = SQLSlot() }
}

extension PostgresQueryRunner {
    /// Runs `query` as the prepared statement `shape` (or unprepared when its text is not the
    /// shape's), and returns its rows.
    func run<Shape: StatementShape>(_ query: PostgresQuery, as shape: Shape.Type, logger: Logger) async throws -> [PostgresRow] {
        guard Shape.slot.adopt(query.sql) else {
            var rows: [PostgresRow] = []
            for try await row in try await run(query, logger: logger) { rows.append(row) }
            return rows
        }
        return try await runPrepared(Prepared<Shape>(bindings: query.binds), logger: logger)
    }
}

extension PostgresClient {
    func runPrepared<Shape: StatementShape>(_ statement: Prepared<Shape>, logger: Logger) async throws -> [PostgresRow] {
        var rows: [PostgresRow] = []
        for try await row in try await execute(statement, logger: logger) { rows.append(row) }
        return rows
    }
}

extension PostgresConnection {
    func runPrepared<Shape: StatementShape>(_ statement: Prepared<Shape>, logger: Logger) async throws -> [PostgresRow] {
        var rows: [PostgresRow] = []
        for try await row in try await execute(statement, logger: logger) { rows.append(row) }
        return rows
    }
}
