import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

/// A local OpenTelemetry collector for tests: it speaks OTLP/HTTP with protobuf bodies
/// (`POST /v1/traces`, answered with an empty `ExportTraceServiceResponse`) and decodes the
/// spans it is sent from the protobuf wire format itself, so a test checks exactly what an
/// OpenTelemetry Collector would receive.
public actor OTLPReceiver {
    public struct Span: Sendable, CustomStringConvertible {
        public var traceID: String
        public var spanID: String
        public var parentSpanID: String
        public var name: String
        /// 1 internal, 2 server, 3 client, 4 producer, 5 consumer.
        public var kind: Int
        public var attributes: [String: String]
        /// 0 unset, 1 ok, 2 error.
        public var statusCode: Int
        public var statusMessage: String
        /// The attributes of the resource (process) that sent it.
        public var resource: [String: String]

        public var description: String { "\(name) [\(spanID) ← \(parentSpanID)] \(attributes)" }
    }

    public private(set) var spans: [Span] = []
    /// Content types of the export requests.
    public private(set) var contentTypes: [String] = []
    public private(set) var undecodable = 0

    public init() {}

    func handle(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 16 << 20)
        contentTypes.append(request.headers[.contentType] ?? "")
        if let decoded = try? OTLPWire.spans(in: Array(buffer: body)) {
            spans += decoded
        } else {
            undecodable += 1
        }
        // An empty message is a valid, empty ExportTraceServiceResponse: every span accepted.
        return Response(status: .ok, headers: [.contentType: "application/x-protobuf"], body: .init(byteBuffer: ByteBuffer()))
    }

    /// Runs the receiver on a free loopback port for the duration of `body`.
    public func run(_ body: @Sendable (_ url: String) async throws -> Void) async throws {
        let router = Router()
        router.post("/v1/traces") { request, _ in try await self.handle(request) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(client.port!)")
        }
    }
}

/// Just enough of the protobuf wire format to read `ExportTraceServiceRequest`
/// (opentelemetry/proto/collector/trace/v1): resource spans → scope spans → spans, with their
/// ids, names, kinds, status and scalar attributes.
enum OTLPWire {
    struct Malformed: Error {}

    /// A message's fields in order: (number, wire type, varint value or bytes).
    static func fields(_ bytes: ArraySlice<UInt8>) throws -> [(number: Int, varint: UInt64, bytes: ArraySlice<UInt8>)] {
        var fields: [(Int, UInt64, ArraySlice<UInt8>)] = []
        var index = bytes.startIndex
        func varint() throws -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard index < bytes.endIndex, shift < 64 else { throw Malformed() }
                let byte = bytes[index]
                index += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
        }
        while index < bytes.endIndex {
            let key = try varint()
            let number = Int(key >> 3)
            switch key & 7 {
            case 0:
                fields.append((number, try varint(), []))
            case 1, 5:
                let width = key & 7 == 1 ? 8 : 4
                guard bytes.endIndex - index >= width else { throw Malformed() }
                var value: UInt64 = 0
                for offset in 0..<width { value |= UInt64(bytes[index + offset]) << (8 * UInt64(offset)) }
                index += width
                fields.append((number, value, []))
            case 2:
                let length = Int(try varint())
                guard length >= 0, bytes.endIndex - index >= length else { throw Malformed() }
                fields.append((number, 0, bytes[index..<index + length]))
                index += length
            default:
                throw Malformed()
            }
        }
        return fields
    }

    static func spans(in request: [UInt8]) throws -> [OTLPReceiver.Span] {
        var spans: [OTLPReceiver.Span] = []
        for resourceSpans in try fields(request[...]) where resourceSpans.number == 1 {
            let parts = try fields(resourceSpans.bytes)
            var resource: [String: String] = [:]
            for part in parts where part.number == 1 {
                for attribute in try fields(part.bytes) where attribute.number == 1 {
                    let (key, value) = try keyValue(attribute.bytes)
                    resource[key] = value
                }
            }
            for scopeSpans in parts where scopeSpans.number == 2 {
                for spanField in try fields(scopeSpans.bytes) where spanField.number == 2 {
                    var span = OTLPReceiver.Span(
                        traceID: "", spanID: "", parentSpanID: "", name: "", kind: 0, attributes: [:], statusCode: 0, statusMessage: "",
                        resource: resource)
                    for field in try fields(spanField.bytes) {
                        switch field.number {
                        case 1: span.traceID = hex(field.bytes)
                        case 2: span.spanID = hex(field.bytes)
                        case 4: span.parentSpanID = hex(field.bytes)
                        case 5: span.name = String(decoding: field.bytes, as: UTF8.self)
                        case 6: span.kind = Int(field.varint)
                        case 9:
                            let (key, value) = try keyValue(field.bytes)
                            span.attributes[key] = value
                        case 15:
                            for status in try fields(field.bytes) {
                                if status.number == 2 { span.statusMessage = String(decoding: status.bytes, as: UTF8.self) }
                                if status.number == 3 { span.statusCode = Int(status.varint) }
                            }
                        default: break
                        }
                    }
                    spans.append(span)
                }
            }
        }
        return spans
    }

    /// `KeyValue { key = 1; AnyValue value = 2 }`; scalar values as text, arrays joined by ",".
    static func keyValue(_ bytes: ArraySlice<UInt8>) throws -> (String, String) {
        var key = ""
        var value = ""
        for field in try fields(bytes) {
            if field.number == 1 { key = String(decoding: field.bytes, as: UTF8.self) }
            if field.number == 2 { value = try anyValue(field.bytes) }
        }
        return (key, value)
    }

    static func anyValue(_ bytes: ArraySlice<UInt8>) throws -> String {
        guard let field = try fields(bytes).first else { return "" }
        switch field.number {
        case 1: return String(decoding: field.bytes, as: UTF8.self)
        case 2: return field.varint != 0 ? "true" : "false"
        case 3: return String(Int64(bitPattern: field.varint))
        case 4: return String(Double(bitPattern: field.varint))
        case 5: return try fields(field.bytes).filter { $0.number == 1 }.map { try anyValue($0.bytes) }.joined(separator: ",")
        default: return ""
        }
    }

    static func hex(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
