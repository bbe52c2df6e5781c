/// Seed 004's `POST /api/v1/models/select`: the configured model that fits a task best, with
/// fallbacks, from what the providers report (capabilities, context length, size, price).
///
/// Hangar keeps no per-model quality score, so ranking uses what is known: `quality` prefers
/// the largest model, `speed` the smallest, `cost` the cheapest priced one (then the smallest),
/// and `balanced` starts from the middle of the sizes. The `mock` provider is never chosen:
/// it answers with its input, and is used only when named.
public struct ModelSelection: Sendable {
    public struct Request: Sendable {
        public var taskType: String?
        public var contentType: String?
        public var priority: Priority
        public var maxTokens: Int?
        public var capabilities: Set<String>
        public var minContextLength: Int?

        public init(
            taskType: String? = nil, contentType: String? = nil, priority: Priority = .balanced, maxTokens: Int? = nil, capabilities: Set<String> = [],
            minContextLength: Int? = nil
        ) {
            self.taskType = taskType
            self.contentType = contentType
            self.priority = priority
            self.maxTokens = maxTokens
            self.capabilities = capabilities
            self.minContextLength = minContextLength
        }

        /// What the task needs: asked for outright, or implied by the content and task type.
        public var required: Set<String> {
            var needs = capabilities
            let words = [taskType, contentType].compactMap { $0?.lowercased() }
            if words.contains(where: { $0.contains("image") || $0.contains("vision") || $0.contains("video") }) { needs.insert("vision") }
            if words.contains(where: { $0.contains("embed") }) { needs.insert("embeddings") }
            return needs
        }
    }

    public enum Priority: String, Sendable, CaseIterable {
        case quality, speed, cost, balanced
    }

    public var selected: ModelInfo
    public var fallbacks: [ModelInfo]
    public var reason: String

    /// `nil` with the reason when no model qualifies.
    public static func choose(
        _ request: Request, from models: [ModelInfo], isPriced: (String) -> Bool = { _ in false },
        cost: (String) -> Double = { _ in 0 }
    ) -> Result<ModelSelection, NoModel> {
        let needs = request.required
        let context = max(request.minContextLength ?? 0, request.maxTokens ?? 0)
        let candidates = models.filter { model in
            model.provider != "mock" && needs.isSubset(of: Set(model.capabilities))
                && (context == 0 || (model.contextLength ?? Int.max) >= context)
        }
        guard !candidates.isEmpty else {
            var wanted = needs.sorted().map { "capability \($0)" }
            if context > 0 { wanted.append("a context of at least \(context) tokens") }
            let what = wanted.isEmpty ? "any model" : wanted.joined(separator: " and ")
            return .failure(NoModel(detail: "no configured model (the mock aside) offers \(what); \(models.count) models were listed"))
        }
        let bySize = candidates.sorted { ($0.sizeBytes ?? 0, $0.id) < ($1.sizeBytes ?? 0, $1.id) }
        let ranked: [ModelInfo]
        switch request.priority {
        case .speed: ranked = bySize
        case .quality: ranked = bySize.reversed()
        case .cost:
            ranked = bySize.sorted { a, b in
                let (pa, pb) = (isPriced(a.id) ? cost(a.id) : Double.infinity, isPriced(b.id) ? cost(b.id) : Double.infinity)
                return pa != pb ? pa < pb : (a.sizeBytes ?? 0) < (b.sizeBytes ?? 0)
            }
        case .balanced:
            // From the median size outwards: neither the smallest nor the largest first.
            let middle = bySize.count / 2
            ranked = bySize.indices.sorted { abs($0 - middle) != abs($1 - middle) ? abs($0 - middle) < abs($1 - middle) : $0 > $1 }.map { bySize[$0] }
        }
        let needText = needs.isEmpty ? "" : " with \(needs.sorted().joined(separator: ", "))"
        let reason =
            "\(request.priority.rawValue) priority: \(ranked.count) of \(models.count) configured models qualify\(needText)\(context > 0 ? " and \(context)+ tokens of context" : ""); "
            + Self.rule(request.priority)
        return .success(ModelSelection(selected: ranked[0], fallbacks: Array(ranked.dropFirst().prefix(3)), reason: reason))
    }

    static func rule(_ priority: Priority) -> String {
        switch priority {
        case .quality: return "the largest model first (Hangar keeps no quality scores)"
        case .speed: return "the smallest model first"
        case .cost: return "the cheapest priced model first, then the smallest"
        case .balanced: return "the median-sized model first"
        }
    }

    public struct NoModel: Error, Sendable {
        public var detail: String
    }
}
