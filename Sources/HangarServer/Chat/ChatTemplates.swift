import HangarCore

/// The built-in conversation templates (`GET /api/v1/chat/templates`). A session created with
/// `config.template` takes the template's system prompt and session type unless the request
/// gives its own, and its suggested config under the request's `config`.
struct ChatTemplate: Sendable {
    var id: String
    var name: String
    var description: String
    var sessionType: String
    var systemPrompt: String
    var suggestedConfig: JSONValue

    var json: JSONValue {
        [
            "id": .string(id), "name": .string(name), "description": .string(description), "session_type": .string(sessionType),
            "system_prompt": .string(systemPrompt), "suggested_config": suggestedConfig,
        ]
    }

    static func named(_ id: String) -> ChatTemplate? {
        builtIn.first { $0.id == id }
    }

    static let builtIn: [ChatTemplate] = [
        ChatTemplate(
            id: "general", name: "General assistant", description: "A helpful assistant for open-ended conversation.",
            sessionType: "general", systemPrompt: "You are a helpful, concise assistant. Say so when you are not sure.",
            suggestedConfig: ["temperature": 0.7, "context_tokens": 4096]),
        ChatTemplate(
            id: "agent_creation", name: "Agent creation wizard",
            description: "Guides you from a description of what an agent should do to a Hangar agent definition (seed 004's wizard).",
            sessionType: "agent_creation",
            systemPrompt: """
                You help the user create an agent for Hangar, a control plane for AI agents. Ask short questions until you know: what \
                the agent should do, its inputs and outputs, the data sources and APIs it needs (and which credentials, stored as agent \
                secrets, never in the config), how often it runs, and what it may cost. Then propose the definition as one JSON object \
                for POST /api/v1/agents with the fields name, description, kind ("llm" unless the user runs their own agent, then \
                "external"), model ("provider/name"), config (system_prompt, temperature, max_tokens, tools), resources (cpu, \
                memory_mb, gpu), max_concurrency and budget_limit (USD). Explain each choice in one sentence and ask the user to \
                confirm or change it. When the user asks for the final configuration, answer with the JSON object only.
                """,
            suggestedConfig: ["temperature": 0.3, "max_tokens": 2048, "context_tokens": 8192]),
        ChatTemplate(
            id: "code_assistant", name: "Code assistant", description: "Writes, explains and reviews code.",
            sessionType: "code_assistant",
            systemPrompt: """
                You are an experienced software engineer. Answer with working code in fenced blocks, name the language, keep \
                explanations short, and point out edge cases and security problems you notice.
                """,
            suggestedConfig: ["temperature": 0.2, "max_tokens": 4096, "context_tokens": 8192]),
        ChatTemplate(
            id: "summarizer", name: "Summarizer", description: "Summarises the text you send, faithfully and briefly.",
            sessionType: "summarizer",
            systemPrompt: """
                You summarise the text the user sends. Keep every fact you report faithful to the text, add nothing, and answer with \
                the summary only: a few sentences unless the user asks for another length.
                """,
            suggestedConfig: ["temperature": 0.2, "max_tokens": 1024, "context_tokens": 8192]),
    ]
}
