import HangarCore
import HangarRuntime
import Tracing

extension ModelProvider {
    /// `complete` inside a client span, named and tagged as OpenTelemetry's GenAI conventions
    /// say (`chat {model}`, `gen_ai.*`), with the task it belongs to. The provider's HTTP request
    /// is a child of it (AsyncHTTPClient traces with the bootstrapped tracer and sends `traceparent`).
    public func tracedComplete(_ request: ModelRequest, context: ModelCallContext, provider: String) async throws -> ModelResponse {
        let span = startSpan("chat \(request.model)", ofKind: .client)
        defer { span.end() }
        // Without a tracer (the default) nothing is recorded: no attributes, no context switch.
        guard span.isRecording else { return try await complete(request, context: context) }
        span.attributes["gen_ai.operation.name"] = "chat"
        span.attributes["gen_ai.provider.name"] = provider
        span.attributes["gen_ai.request.model"] = request.model
        if let maxTokens = request.maxTokens { span.attributes["gen_ai.request.max_tokens"] = maxTokens }
        TaskTracing.tag(span)
        do {
            let response = try await InstrumentationContext.withValue(span.context) {
                try await complete(request, context: context)
            }
            span.attributes["gen_ai.usage.input_tokens"] = response.promptTokens
            span.attributes["gen_ai.usage.output_tokens"] = response.completionTokens
            span.attributes["gen_ai.response.finish_reasons"] = [response.finishReason]
            return response
        } catch {
            span.recordError(error)
            let code = (error as? TaskFailure)?.code ?? String(describing: type(of: error))
            span.attributes["error.type"] = code
            span.setStatus(SpanStatus(code: .error, message: (error as? TaskFailure)?.message))
            throw error
        }
    }
}
