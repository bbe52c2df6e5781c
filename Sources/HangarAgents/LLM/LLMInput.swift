public import HangarCore

/// The task types of seed 004 ("Task Types and Examples"), parsed once so that the API can
/// reject a bad input at submission (422 naming the field) and the executor can trust it.
public enum LLMInput: Sendable, Equatable {
    case generate(prompt: String, system: String?)
    case chat(messages: [ChatMessage])
    case summarize(text: String, length: SummaryLength)
    case analyze(text: String, analysisType: AnalysisType)

    public enum SummaryLength: String, Sendable, CaseIterable {
        case short, medium, long
    }

    public enum AnalysisType: String, Sendable, CaseIterable {
        case sentiment, topics, entities, general
    }

    public static let types = ["generate", "chat", "summarize", "analyze"]

    public static func parse(_ input: JSONValue) throws -> LLMInput {
        guard case .object(let fields) = input else {
            throw HangarError.invalid(field: "input", message: "must be an object")
        }
        // Seed 000 sends `task` (an instruction) instead of a typed input.
        let type = try fields["type"].map { try string($0, "input.type") } ?? (fields["messages"] != nil ? "chat" : "generate")
        switch type {
        case "generate":
            let prompt = try fields["prompt"].map { try string($0, "input.prompt") } ?? fields["task"]?.stringValue
            guard let prompt else { throw HangarError.invalid(field: "input.prompt", message: "is required for type 'generate'") }
            return .generate(prompt: prompt, system: try fields["system"].map { try string($0, "input.system") })
        case "chat":
            guard case .array(let items)? = fields["messages"], !items.isEmpty else {
                throw HangarError.invalid(field: "input.messages", message: "must be a non-empty array of {role, content}")
            }
            let messages = try items.enumerated().map { index, item in
                guard let role = item["role"]?.stringValue, let content = item["content"]?.stringValue else {
                    throw HangarError.invalid(field: "input.messages[\(index)]", message: "must have string 'role' and 'content'")
                }
                guard ["system", "user", "assistant", "tool"].contains(role) else {
                    throw HangarError.invalid(field: "input.messages[\(index)].role", message: "must be system, user, assistant or tool")
                }
                return ChatMessage(role: role, content: content)
            }
            return .chat(messages: messages)
        case "summarize":
            let text = try required(fields, "text", type)
            let lengthName = try fields["length"].map { try string($0, "input.length") } ?? "medium"
            guard let length = SummaryLength(rawValue: lengthName) else {
                throw HangarError.invalid(field: "input.length", message: "must be short, medium or long")
            }
            return .summarize(text: text, length: length)
        case "analyze":
            let text = try required(fields, "text", type)
            let name = try fields["analysis_type"].map { try string($0, "input.analysis_type") } ?? "general"
            guard let analysisType = AnalysisType(rawValue: name) else {
                throw HangarError.invalid(field: "input.analysis_type", message: "must be sentiment, topics, entities or general")
            }
            return .analyze(text: text, analysisType: analysisType)
        default:
            throw HangarError.invalid(field: "input.type", message: "must be one of \(types.joined(separator: ", "))")
        }
    }

    private static func string(_ value: JSONValue, _ field: String) throws -> String {
        guard let text = value.stringValue else { throw HangarError.invalid(field: field, message: "must be a string") }
        return text
    }

    private static func required(_ fields: [String: JSONValue], _ key: String, _ type: String) throws -> String {
        guard let value = fields[key] else {
            throw HangarError.invalid(field: "input.\(key)", message: "is required for type '\(type)'")
        }
        return try string(value, "input.\(key)")
    }
}
