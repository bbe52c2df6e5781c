import Foundation
import HangarCore
import HangarTestSupport
import NIOHTTP1
import Testing

/// OpenTelemetry traces (issue 14): a real `hangar serve` exports over OTLP/HTTP to a local
/// collector, and one trace runs from the client's request through the queue to the attempt,
/// each model call (and the provider's HTTP request) and each tool call.
@Suite("Processes: OpenTelemetry traces", .serialized)
struct TracingProcessTests {
    @Test("one trace from the submitting request through the attempt, its model calls and tool call, exported as OTLP protobuf")
    func taskTrace() async throws {
        let collector = OTLPReceiver()
        let model = ModelServer()
        await model.enqueue(
            .json(ModelServer.completion("let me look at the clock", toolCalls: [("c1", "current_time", "{}")])),
            .json(ModelServer.completion("It is late.", prompt: 30, completion: 4)))
        // The client's own trace: Hangar's spans must join it.
        let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
        let clientSpanID = "00f067aa0ba902b7"
        try await collector.run { collectorURL in
            try await model.run { modelURL in
                let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-otel-\(Identifier.leaseToken())").path
                let server = try HangarProcess(
                    ["serve", "--data-dir", dir, "--workers", "2"], port: try freePort(),
                    environment: [
                        "OTEL_EXPORTER_OTLP_ENDPOINT": collectorURL, "OTEL_BSP_SCHEDULE_DELAY": "100",
                        "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": modelURL + "/v1",
                    ])
                defer { server.stop() }
                try await server.waitUntilReady(timeout: .seconds(60))
                let base = server.baseURL
                let agent = try await HTTP.send(
                    .POST, base + "/api/v1/agents", json: ["name": "clock", "model": "openai/gpt-4o-mini", "config": ["tools": ["current_time"]]])
                #expect(agent.status == 201, "\(agent.json)")
                let reply = try await HTTP.send(
                    .POST, base + "/api/v1/tasks", json: ["agent_id": "clock", "input": ["prompt": "what time is it?"]],
                    headers: ["traceparent": "00-\(traceID)-\(clientSpanID)-01"])
                let taskID = try #require(reply.json["id"]?.stringValue, "\(reply.json)")
                #expect(await eventually(timeout: .seconds(20)) {
                    (try? await HTTP.send(.GET, base + "/api/v1/tasks/\(taskID)"))?.json["status"] == "completed"
                })
                // Spans leave in batches every 100 ms; the attempt's ends after its outcome is recorded.
                #expect(await eventually(timeout: .seconds(10)) {
                    await collector.spans.contains { $0.name == "hangar.task.attempt" && $0.attributes["hangar.task.id"] == taskID }
                })
                let spans = await collector.spans
                let inTrace = spans.filter { $0.traceID == traceID }

                let submit = try #require(
                    inTrace.first { $0.kind == 2 && $0.attributes["http.route"] == "/api/v1/tasks" && $0.attributes["http.request.method"] == "POST" },
                    "the request's server span, in the client's trace: \(spans)")
                #expect(submit.parentSpanID == clientSpanID)
                #expect(submit.attributes["http.response.status_code"] == "201")
                #expect(submit.resource["service.name"] == "hangar" && submit.resource["hangar.process"] == "serve")

                let attempt = try #require(inTrace.first { $0.name == "hangar.task.attempt" }, "the attempt joins the submission's trace")
                #expect(attempt.parentSpanID == submit.spanID)
                #expect(attempt.kind == 5)
                #expect(attempt.attributes["hangar.task.id"] == taskID && attempt.attributes["hangar.agent.id"] == agent.json["id"]?.stringValue)
                #expect(attempt.attributes["hangar.task.status"] == "completed" && attempt.attributes["hangar.task.attempt"] == "1")

                let calls = inTrace.filter { $0.name == "chat gpt-4o-mini" }
                #expect(calls.count == 2)
                for call in calls {
                    #expect(call.parentSpanID == attempt.spanID && call.kind == 3)
                    #expect(call.attributes["hangar.task.id"] == taskID && call.attributes["gen_ai.provider.name"] == "openai")
                    // The provider's HTTP request is the model call's child.
                    #expect(inTrace.contains { $0.parentSpanID == call.spanID && $0.kind == 3 && $0.attributes["http.request.method"] == "POST" })
                }
                #expect(calls.map { $0.attributes["gen_ai.usage.input_tokens"] ?? "" }.sorted() == ["11", "30"])

                let tool = try #require(inTrace.first { $0.name == "execute_tool current_time" })
                #expect(tool.parentSpanID == attempt.spanID)
                #expect(tool.attributes["hangar.task.id"] == taskID && tool.attributes["gen_ai.tool.call.id"] == "c1")

                // The provider was told the trace (W3C traceparent), so its own spans can join it.
                let sent = await model.headers.compactMap { $0["traceparent"] }
                #expect(sent.count == 2 && sent.allSatisfy { $0.hasPrefix("00-\(traceID)-") })
                #expect(await collector.contentTypes.allSatisfy { $0 == "application/x-protobuf" })
                #expect(await collector.undecodable == 0)
            }
        }
    }

    @Test("PostgreSQL, an API process and a separate worker: the attempt the worker runs joins the trace of the request the API process took")
    func acrossProcesses() async throws {
        let database = try TestDatabase.make(.postgres)
        let collector = OTLPReceiver()
        try await collector.run { collectorURL in
            let environment = ["OTEL_EXPORTER_OTLP_ENDPOINT": collectorURL, "OTEL_BSP_SCHEDULE_DELAY": "100"]
            let api = try HangarProcess(["serve", "--database", database.url, "--workers", "0"], port: try freePort(), environment: environment)
            defer { api.stop() }
            try await api.waitUntilReady(timeout: .seconds(60))
            let worker = try HangarProcess(["worker", "--database", database.url, "--workers", "1"], environment: environment)
            defer { worker.stop() }
            let base = api.baseURL
            #expect(try await HTTP.send(.POST, base + "/api/v1/agents", json: ["name": "echo", "model": "mock/echo"]).status == 201)
            let reply = try await HTTP.send(.POST, base + "/api/v1/tasks", json: ["agent_id": "echo", "input": ["prompt": "hello"]])
            let taskID = try #require(reply.json["id"]?.stringValue, "\(reply.json)")
            #expect(await eventually(timeout: .seconds(20)) {
                (try? await HTTP.send(.GET, base + "/api/v1/tasks/\(taskID)"))?.json["status"] == "completed"
            }, "\(worker.output)")
            #expect(await eventually(timeout: .seconds(10)) {
                await collector.spans.contains { $0.name == "hangar.task.attempt" && $0.attributes["hangar.task.id"] == taskID }
            })
            let spans = await collector.spans
            let submit = try #require(spans.first { $0.kind == 2 && $0.attributes["http.route"] == "/api/v1/tasks" && $0.attributes["http.request.method"] == "POST" })
            #expect(submit.resource["hangar.process"] == "serve")
            let attempt = try #require(spans.first { $0.name == "hangar.task.attempt" && $0.attributes["hangar.task.id"] == taskID })
            #expect(attempt.resource["hangar.process"] == "worker")
            #expect(attempt.resource["service.instance.id"] != submit.resource["service.instance.id"])
            #expect(attempt.traceID == submit.traceID && attempt.parentSpanID == submit.spanID)
            let call = try #require(spans.first { $0.name == "chat echo" }, "\(spans)")
            #expect(call.parentSpanID == attempt.spanID && call.attributes["gen_ai.provider.name"] == "mock")
        }
    }

    @Test("OTLP over gRPC, which this build does not carry, is refused at start-up, naming the variable")
    func grpcRefused() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-otel-\(Identifier.leaseToken())").path
        let server = try HangarProcess(
            ["serve", "--data-dir", dir], port: try freePort(),
            environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"])
        try #require(await eventually(timeout: .seconds(60)) { !server.process.isRunning }, "\(server.output)")
        #expect(server.process.terminationStatus != 0)
        #expect(server.output.contains("OTEL_EXPORTER_OTLP_PROTOCOL=grpc"), "\(server.output)")
    }
}
