import Foundation
import HangarCore
import HangarStore
import Hummingbird

/// `GET /api/v1/agents/{agent_id}/usage?days=N`: an agent's model usage by UTC day and model,
/// from the usage ledger (task steps and chat replies alike), with its budget.
///
/// `days` (1–366, default 30) counts today: `days=1` is today only. `totals` sum the days
/// listed; `spent_usd` (what the budget is checked against) covers all time.
struct UsageController {
    let store: any AgentStore & UsageStore

    func addRoutes(to router: Router<HangarRequestContext>) {
        router.get("/api/v1/agents/{agent_id}/usage", use: usage)
    }

    @Sendable func usage(_ request: Request, context: HangarRequestContext) async throws -> Response {
        let days = try Query(request).int("days", in: 1...366, default: 30)
        let reference = try context.parameters.decoded("agent_id")
        guard let agent = try await store.agentGet(tenantID: context.tenantID, idOrName: reference) else {
            throw APIError.notFound("agent", reference)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let since = calendar.date(byAdding: .day, value: -(days - 1), to: calendar.startOfDay(for: Date()))!
        let rows = try await store.usageDaily(tenantID: context.tenantID, agentID: agent.id, since: since)
        let spent = try await store.usageCost(tenantID: context.tenantID, agentID: agent.id)
        return JSONResponse.make(Self.json(agent: agent, rows: rows, spent: spent))
    }

    static func json(agent: Agent, rows: [UsageDay], spent: Double) -> JSONValue {
        var totals = Tally()
        var days: [JSONValue] = []
        var index = rows.startIndex
        while index < rows.endIndex {
            let day = rows[index].day
            var dayTally = Tally()
            var models: [String: JSONValue] = [:]
            while index < rows.endIndex, rows[index].day == day {
                let row = rows[index]
                dayTally.add(row)
                models[row.model] = [
                    "requests": .int(Int64(row.requests)), "prompt_tokens": .int(Int64(row.promptTokens)),
                    "completion_tokens": .int(Int64(row.completionTokens)), "cost_usd": .double(row.costUSD),
                ]
                index += 1
            }
            totals.merge(dayTally)
            var entry = dayTally.json
            entry["date"] = .string(day)
            entry["models"] = .object(models)
            days.append(.object(entry))
        }
        return [
            "agent_id": .string(agent.id),
            "budget_limit": agent.budgetLimit.map(JSONValue.double) ?? .null,
            "spent_usd": .double(spent),
            "remaining_usd": agent.budgetLimit.map { .double(max(0, $0 - spent)) } ?? .null,
            "totals": .object(totals.json),
            "days": .array(days),
        ]
    }

    struct Tally {
        var requests = 0
        var promptTokens = 0
        var completionTokens = 0
        var cost = 0.0

        mutating func add(_ row: UsageDay) {
            requests += row.requests
            promptTokens += row.promptTokens
            completionTokens += row.completionTokens
            cost += row.costUSD
        }

        mutating func merge(_ other: Tally) {
            requests += other.requests
            promptTokens += other.promptTokens
            completionTokens += other.completionTokens
            cost += other.cost
        }

        var json: [String: JSONValue] {
            [
                "requests": .int(Int64(requests)), "prompt_tokens": .int(Int64(promptTokens)),
                "completion_tokens": .int(Int64(completionTokens)), "total_tokens": .int(Int64(promptTokens + completionTokens)),
                "cost_usd": .double(cost),
            ]
        }
    }
}
