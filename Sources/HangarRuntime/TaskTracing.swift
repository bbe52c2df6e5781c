import HangarCore
import Tracing

/// Hangar's spans and how a task's trace crosses the queue.
///
/// A submission stores the W3C `traceparent` of the request that made it (`TaskRecord.traceParent`);
/// the worker that claims the task, in this process or another, starts the attempt span as a
/// child of it, so one trace runs from `POST /api/v1/tasks` through every attempt, model call and
/// tool call. The task id rides in the instrumentation context, so spans made deep inside an
/// executor name their task without it being passed down every call.
public enum TaskTracing {
    /// Span attribute names (Hangar's own, beside OpenTelemetry's `gen_ai.*` and `http.*`).
    public enum Attribute {
        public static let taskID = "hangar.task.id"
        public static let agentID = "hangar.agent.id"
        public static let agentKind = "hangar.agent.kind"
        public static let tenantID = "hangar.tenant.id"
        public static let attempt = "hangar.task.attempt"
        public static let status = "hangar.task.status"
        public static let errorCode = "hangar.error.code"
    }

    /// The `traceparent` of the current span, to keep with a task; `nil` when not tracing.
    public static func currentParent() -> String? {
        guard let context = InstrumentationContext.current else { return nil }
        var carrier: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &carrier, using: DictionaryCarrier())
        return carrier["traceparent"]
    }

    /// The context an attempt's span starts in: the submission's trace (if it kept one) and the task id.
    public static func attemptContext(taskID: String, parent: String?) -> InstrumentationContext {
        var context = InstrumentationContext.topLevel
        if let parent {
            InstrumentationSystem.instrument.extract(["traceparent": parent], into: &context, using: DictionaryCarrier())
        }
        context.hangarTaskID = taskID
        return context
    }

    /// Sets the task attribute on `span` when the current context belongs to a task.
    public static func tag(_ span: any Span) {
        if let taskID = InstrumentationContext.current?.hangarTaskID { span.attributes[Attribute.taskID] = taskID }
    }
}

private struct DictionaryCarrier: Injector, Extractor {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}

private enum TaskIDContextKey: InstrumentationContextKey {
    typealias Value = String
    static var nameOverride: String? { "hangar.task.id" }
}

extension InstrumentationContext {
    /// The task whose attempt this work belongs to.
    public var hangarTaskID: String? {
        get { self[TaskIDContextKey.self] }
        set { self[TaskIDContextKey.self] = newValue }
    }
}
