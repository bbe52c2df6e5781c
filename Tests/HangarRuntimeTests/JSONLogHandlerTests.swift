import Foundation
import HangarRuntime
import Logging
import Synchronization
import Testing

@Suite("JSON log handler")
struct JSONLogHandlerTests {
    final class Sink: Sendable {
        let lines = Mutex<[String]>([])
    }

    @Test("each line is one JSON object with timestamp, level, label, message and the merged metadata")
    func lines() throws {
        let sink = Sink()
        var logger = Logger(label: "hangar.worker") { label in
            JSONLogHandler(label: label, metadataProvider: .init { ["trace": "t1"] }, write: { line in sink.lines.withLock { $0.append(line) } })
        }
        logger[metadataKey: "task_id"] = "task-1"
        logger[metadataKey: "agent_id"] = "agent-7"
        logger.info("task finished", metadata: ["status": "completed", "nested": ["a": "1"], "list": ["x", "y"]])
        logger.debug("not at info")  // below the handler's level
        logger.warning("quote \" and newline\n")

        let lines = sink.lines.withLock { $0 }
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.hasSuffix("\n") && $0.dropLast().firstIndex(of: "\n") == nil })
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["level"] as? String == "info")
        #expect(first["label"] as? String == "hangar.worker")
        #expect(first["message"] as? String == "task finished")
        #expect((first["timestamp"] as? String).flatMap { try? Date($0, strategy: .iso8601) } != nil || (first["timestamp"] as? String)?.hasSuffix("Z") == true)
        let metadata = try #require(first["metadata"] as? [String: Any])
        #expect(metadata["task_id"] as? String == "task-1")
        #expect(metadata["agent_id"] as? String == "agent-7")
        #expect(metadata["status"] as? String == "completed")
        #expect(metadata["trace"] as? String == "t1")
        #expect((metadata["nested"] as? [String: Any])?["a"] as? String == "1")
        #expect(metadata["list"] as? [String] == ["x", "y"])
        let second = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        #expect(second["message"] as? String == "quote \" and newline\n")
        #expect(second["level"] as? String == "warning")
    }
}
