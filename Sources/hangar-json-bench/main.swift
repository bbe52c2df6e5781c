import Foundation
import HangarCore

// Is Hangar's own JSON parser and serializer (HangarCore/JSONParser.swift) worth keeping over
// Foundation's? Times both on the payloads Hangar handles most: a task submission, a task
// record as stored and served, and a long chat history.
//
//     swift run -c release hangar-json-bench [--seconds 1]
//
// Figures: docs/architecture.md ("JSON").

let seconds = CommandLine.arguments.firstIndex(of: "--seconds").flatMap { Double(CommandLine.arguments[$0 + 1]) } ?? 1

func payloads() -> [(String, JSONValue)] {
    let submission: JSONValue = [
        "agent_id": "researcher", "priority": "high", "max_attempts": 3, "timeout": 120.5,
        "input": ["prompt": "Summarise the quarterly report for the board, in three bullet points.", "temperature": 0.2, "tags": ["q3", "board"]],
        "callback_url": "https://hooks.example.com/hangar/tasks", "options": ["enable_tts": false],
    ]
    var steps: [JSONValue] = []
    for step in 0..<12 {
        steps.append([
            "step": .int(Int64(step)), "action": "model_call", "model": "openai/gpt-4o-mini", "prompt_tokens": .int(Int64(400 + step * 37)),
            "completion_tokens": 88, "cost_usd": 0.000231, "duration_seconds": 1.284, "finish_reason": "tool_calls",
            "tool_calls": ["http_request", "current_time"], "note": "Zürich → 東京: «quoted» \"text\" with \\ escapes\n",
        ])
    }
    let record: JSONValue = ["id": "01JD9Q4W7R3N5T8V2X6Z0B1C3E", "status": "completed", "input": submission["input"]!, "output": ["response": .string(String(repeating: "A fairly long answer sentence. ", count: 40)), "steps": .array(steps)]]
    var messages: [JSONValue] = []
    for index in 0..<400 {
        messages.append(["role": index % 2 == 0 ? "user" : "assistant", "content": .string(String(repeating: "Words of a conversation, turn \(index). ", count: 16))])
    }
    return [("task submission", submission), ("task record", record), ("chat history", ["messages": .array(messages)])]
}

/// Foundation's untyped result, in Hangar's value type.
func value(_ any: Any) -> JSONValue {
    switch any {
    case is NSNull: return .null
    case let number as NSNumber:
        // Foundation's booleans are NSNumbers of type "c"; integers "i"/"q"; the rest doubles.
        switch String(cString: number.objCType) {
        case "c": return .bool(number.boolValue)
        case "d", "f": return .double(number.doubleValue)
        default: return .int(number.int64Value)
        }
    case let string as String: return .string(string)
    case let array as [Any]: return .array(array.map(value))
    case let object as [String: Any]: return .object(object.mapValues(value))
    default: return .null
    }
}

/// Operations per second of `body`, run for `seconds` after a warm-up.
func rate(_ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<50 { try body() }
    let clock = ContinuousClock()
    let start = clock.now
    var count = 0
    while clock.now - start < .seconds(seconds) {
        for _ in 0..<20 { try body() }
        count += 20
    }
    return Double(count) / (clock.now - start).seconds
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

let decoder = JSONDecoder()
let encoder = JSONEncoder()
encoder.outputFormatting = [.sortedKeys]

print("| payload | size | parse: Hangar | JSONDecoder | JSONSerialization | serialize: Hangar | JSONEncoder | JSONSerialization |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for (name, payload) in payloads() {
    let text = JSONText.encode(payload)
    let bytes = Array(text.utf8)
    let data = Data(bytes)
    // Every route must read the same value back, or the comparison means nothing.
    let readBack = [
        try JSONText.decode(bytes: bytes), try decoder.decode(JSONValue.self, from: data), value(try JSONSerialization.jsonObject(with: data)),
    ]
    precondition(readBack.allSatisfy { $0 == payload }, "\(name): a parser read back another value")
    let parseHangar = try rate { _ = try JSONText.decode(bytes: bytes) }
    let parseDecoder = try rate { _ = try decoder.decode(JSONValue.self, from: data) }
    let parseSerialization = try rate { _ = value(try JSONSerialization.jsonObject(with: data)) }
    let object = try JSONSerialization.jsonObject(with: data)
    let serializeHangar = rate { _ = JSONText.encode(payload) }
    let serializeEncoder = try rate { _ = String(decoding: try encoder.encode(payload), as: UTF8.self) }
    let serializeSerialization = try rate {
        _ = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
    func cell(_ ops: Double) -> String {
        String(format: "%.0f/s (%.0f MB/s)", ops, ops * Double(bytes.count) / 1e6)
    }
    let cells = [parseHangar, parseDecoder, parseSerialization, serializeHangar, serializeEncoder, serializeSerialization].map(cell)
    print("| \(name) | \(bytes.count) B | " + cells.joined(separator: " | ") + " |")
}
