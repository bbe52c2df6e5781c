import Logging
import OTel
import ServiceLifecycle
import Tracing

/// OpenTelemetry traces for one Hangar process.
///
/// Tracing is on when the standard `OTEL_EXPORTER_OTLP_ENDPOINT` (or
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, as with any OpenTelemetry SDK; every other
/// `OTEL_*` variable (sampler, headers, timeout, batch delays, resource attributes, service name)
/// is read by swift-otel itself. Without it nothing is bootstrapped: every span in Hangar is the
/// no-op one and costs next to nothing. Only traces are exported: Hangar's metrics stay on
/// `/metrics` (Prometheus) and its logs on stderr.
public enum Telemetry {
    public struct SetupError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Whether the environment asks for traces to be exported.
    public static func requested(_ environment: [String: String]) -> Bool {
        if environment["OTEL_SDK_DISABLED"]?.lowercased() == "true" { return false }
        if environment["OTEL_TRACES_EXPORTER"]?.lowercased() == "none" { return false }
        return ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"].contains { !(environment[$0] ?? "").isEmpty }
    }

    /// Bootstraps the process-wide tracer once, before the first span, and returns the service that
    /// batches and exports spans (run it in the process's service group: its shutdown flushes the
    /// last batch). `nil` when tracing was not asked for.
    ///
    /// - Parameters:
    ///   - process: `serve` or `worker`, recorded as the resource attribute `hangar.process`.
    ///   - instanceID: this process's worker id, the resource attribute `service.instance.id`.
    public static func bootstrap(
        environment: [String: String], process: String, instanceID: String, logger: Logger
    ) throws -> (any Service)? {
        guard requested(environment) else { return nil }
        for name in ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] {
            if let value = environment[name], value.lowercased() == "grpc" {
                throw SetupError(
                    description: "\(name)=grpc: this build exports OTLP over HTTP only; use http/protobuf (the default) or http/json, "
                        + "and the collector's HTTP port (4318)")
            }
        }
        var configuration = OTel.Configuration.default
        configuration.serviceName = "hangar"
        configuration.resourceAttributes = ["hangar.process": process, "service.instance.id": instanceID]
        configuration.diagnosticLogger = .custom(logger)
        // swift-otel reports each OTEL_* value it applies at info; warnings are what an operator needs
        // (OTEL_LOG_LEVEL raises it).
        configuration.diagnosticLogLevel = .warning
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        do {
            // The OTEL_* environment overrides these defaults inside swift-otel.
            let backend = try OTel.makeTracingBackend(configuration: configuration)
            InstrumentationSystem.bootstrap(backend.factory)
            return backend.service
        } catch {
            throw SetupError(description: "OpenTelemetry traces could not be set up from the OTEL_* variables: \(error)")
        }
    }
}
