import HangarCore

/// The OpenAI chat-completions wire format: request bodies, responses and stream chunks.
enum OpenAIWire {
    static func body(_ request: ModelRequest, stream: Bool) -> JSONValue {
        var body: [String: JSONValue] = [
            "model": .string(request.model),
            "messages": .array(request.messages.map(message)),
        ]
        if let temperature = request.temperature { body["temperature"] = .double(temperature) }
        if let maxTokens = request.maxTokens { body["max_tokens"] = .int(Int64(maxTokens)) }
        if !request.tools.isEmpty {
            body["tools"] = .array(
                request.tools.map { tool in
                    ["type": "function", "function": ["name": .string(tool.name), "description": .string(tool.description), "parameters": tool.parameters]]
                })
        }
        switch request.responseFormat {
        case .text: break
        case .json: body["response_format"] = ["type": "json_object"]
        case .jsonSchema(let name, let schema):
            body["response_format"] = ["type": "json_schema", "json_schema": ["name": .string(name), "schema": schema, "strict": true]]
        }
        if stream {
            body["stream"] = true
            body["stream_options"] = ["include_usage": true]
        }
        return .object(body)
    }

    static func message(_ message: ChatMessage) -> JSONValue {
        var fields: [String: JSONValue] = ["role": .string(message.role)]
        if message.images.isEmpty {
            fields["content"] = message.toolCalls.isEmpty || !message.content.isEmpty ? .string(message.content) : .null
        } else {
            var parts: [JSONValue] = []
            if !message.content.isEmpty { parts.append(["type": "text", "text": .string(message.content)]) }
            for image in message.images {
                parts.append(["type": "image_url", "image_url": ["url": .string(imageURL(image))]])
            }
            fields["content"] = .array(parts)
        }
        if !message.toolCalls.isEmpty {
            fields["tool_calls"] = .array(
                message.toolCalls.map { call in
                    ["id": .string(call.id), "type": "function", "function": ["name": .string(call.name), "arguments": .string(call.arguments)]]
                })
        }
        if let id = message.toolCallID { fields["tool_call_id"] = .string(id) }
        if let name = message.name, message.role == "tool" { fields["name"] = .string(name) }
        return .object(fields)
    }

    /// Data and http(s) URLs pass; bare base64 is taken as JPEG (PNG when it says so).
    static func imageURL(_ image: String) -> String {
        if image.hasPrefix("data:") || image.hasPrefix("http://") || image.hasPrefix("https://") { return image }
        let type = image.hasPrefix("iVBORw0KGgo") ? "image/png" : "image/jpeg"
        return "data:\(type);base64,\(image)"
    }

    /// Accumulates a completion, from one response or from stream chunks.
    struct Accumulator {
        var content = ""
        var finishReason: String?
        var promptTokens: Int?
        var completionTokens: Int?
        /// llama.cpp server reports its own timings (milliseconds).
        var promptMillis: Double?
        var predictedMillis: Double?
        private var calls: [Int: ToolCall] = [:]

        var toolCalls: [ToolCall] { calls.keys.sorted().compactMap { calls[$0] } }

        /// A whole (non-streamed) response.
        mutating func apply(response json: JSONValue) throws {
            guard let choice = json["choices"]?.arrayValue?.first else {
                throw TaskFailure(code: "provider_bad_response", message: "the provider's answer has no choices", retryable: true)
            }
            let message = choice["message"]
            content = message?["content"]?.stringValue ?? ""
            finishReason = choice["finish_reason"]?.stringValue
            for (index, call) in (message?["tool_calls"]?.arrayValue ?? []).enumerated() {
                calls[index] = ToolCall(
                    id: call["id"]?.stringValue ?? "call_\(index)", name: call["function"]?["name"]?.stringValue ?? "",
                    arguments: Self.arguments(call["function"]?["arguments"]))
            }
            applyUsage(json)
        }

        /// One stream chunk; returns the text it adds.
        mutating func apply(chunk json: JSONValue) -> String? {
            applyUsage(json)
            guard let choice = json["choices"]?.arrayValue?.first else { return nil }
            if let reason = choice["finish_reason"]?.stringValue { finishReason = reason }
            let delta = choice["delta"]
            for call in delta?["tool_calls"]?.arrayValue ?? [] {
                let index = call["index"]?.intValue ?? calls.count
                var current = calls[index] ?? ToolCall(id: "", name: "", arguments: "")
                if let id = call["id"]?.stringValue, !id.isEmpty { current.id = id }
                if let name = call["function"]?["name"]?.stringValue { current.name += name }
                if let piece = call["function"]?["arguments"] { current.arguments += Self.arguments(piece) }
                if current.id.isEmpty { current.id = "call_\(index)" }
                calls[index] = current
            }
            guard let text = delta?["content"]?.stringValue, !text.isEmpty else { return nil }
            content += text
            return text
        }

        private mutating func applyUsage(_ json: JSONValue) {
            if let usage = json["usage"], usage.objectValue != nil {
                promptTokens = usage["prompt_tokens"]?.intValue ?? promptTokens
                completionTokens = usage["completion_tokens"]?.intValue ?? completionTokens
            }
            if let timings = json["timings"] {
                promptMillis = timings["prompt_ms"]?.doubleValue ?? promptMillis
                predictedMillis = timings["predicted_ms"]?.doubleValue ?? predictedMillis
            }
        }

        /// Arguments arrive as JSON text (OpenAI) or, from some servers, as an object.
        static func arguments(_ value: JSONValue?) -> String {
            switch value {
            case .string(let text)?: text
            case nil, .null?: ""
            case let other?: JSONText.encode(other)
            }
        }
    }
}
