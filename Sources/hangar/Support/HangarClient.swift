import ArgumentParser
import AsyncHTTPClient
import Foundation
import HTTPTypes
import HangarAPI
import HangarCore
import HangarSSE
import HangarTimers
import NIOCore
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime
import Synchronization

struct ClientOptions: ParsableArguments {
    @Option(name: .long, help: "Hangar server URL. Env: HANGAR_URL. Default: http://127.0.0.1:8000")
    var url: String?

    @Option(name: .long, help: "API key or JWT. Env: HANGAR_API_KEY, then HANGAR_ADMIN_KEY, then ./.hangar/admin.key")
    var key: String?

    func client() -> HangarClient {
        HangarClient(
            base: (url ?? Environment.string("HANGAR_URL") ?? "http://127.0.0.1:8000").trimmingCharacters(in: CharacterSet(charactersIn: "/")),
            key: key ?? Environment.string("HANGAR_API_KEY") ?? Environment.string("HANGAR_ADMIN_KEY") ?? Self.localAdminKey())
    }

    /// The bootstrap key of a server started from this directory, if there is one.
    private static func localAdminKey() -> String? {
        let path = (Environment.string("HANGAR_DATA_DIR") ?? ".hangar") + "/admin.key"
        return (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

struct ClientError: Error, CustomStringConvertible {
    var description: String
}

/// What the server answered: the generated type, and the JSON body as it was sent (which the
/// CLI prints: the generated types leave out `null` fields and re-format numbers and dates).
struct Answer<Value: Sendable>: Sendable {
    let value: Value
    let json: JSONValue
}

/// The CLI's client: the operations of the generated `HangarAPI.Client` (requests built from
/// the API document), over the shared AsyncHTTPClient, with the CLI's error messages.
struct HangarClient: Sendable {
    let base: String
    let key: String?

    /// Fails at once when nothing listens (the shared client retries connecting until its
    /// request times out, a minute of silence for a CLI user whose server is not running).
    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// Runs one operation of the generated client; an error status becomes a `ClientError`
    /// that says what to do.
    func call<Value: Sendable>(_ operation: (HangarAPI.Client) async throws -> Value) async throws -> Answer<Value> {
        let reader = AnswerReader(key: key)
        let value: Value
        do {
            value = try await operation(try generatedClient(reader, timeout: .seconds(60)))
        } catch {
            throw explain(error)
        }
        return Answer(value: value, json: reader.json ?? .null)
    }

    private func generatedClient(_ reader: AnswerReader, timeout: TimeAmount) throws -> HangarAPI.Client {
        guard let url = URL(string: base) else { throw ClientError(description: "not a URL: \(base)") }
        return HangarAPI.Client(
            serverURL: url, configuration: Configuration(dateTranscoder: TimestampTranscoder()),
            transport: AsyncHTTPClientTransport(configuration: .init(client: Self.http, timeout: timeout)), middlewares: [reader])
    }

    /// The generated client wraps what went wrong; the CLI says it in its own words.
    private func explain(_ error: any Error) -> any Error {
        guard let wrapped = error as? OpenAPIRuntime.ClientError else { return error }
        if let own = wrapped.underlyingError as? ClientError { return own }
        if wrapped.causeDescription.contains("Transport") { return Self.unreachable(base, wrapped.underlyingError) }
        return ClientError(description: "unexpected answer from Hangar at \(base) to \(wrapped.operationID): \(wrapped.underlyingError)")
    }

    /// The server is not there: say where we looked and what usually fixes it.
    static func unreachable(_ base: String, _ error: any Error) -> ClientError {
        let refused = String(describing: error).contains("Connection refused") || "\(error)".contains("connectTimeout")
        let hint = refused ? " — is `hangar serve` running there? (--url or HANGAR_URL points the CLI elsewhere)" : ""
        return ClientError(description: "cannot reach Hangar at \(base)\(hint)")
    }

    /// An error answer; a 401 says where the CLI looks for a credential.
    static func refused(_ status: Int, _ detail: String, sentKey: Bool) -> ClientError {
        guard status == 401 else { return ClientError(description: "HTTP \(status): \(detail)") }
        let source = sentKey ? "the key it sent was refused" : "it found no key"
        return ClientError(
            description: "HTTP 401: \(detail) — \(source). The CLI takes a key from --key, then HANGAR_API_KEY, then HANGAR_ADMIN_KEY, "
                + "then .hangar/admin.key (HANGAR_DATA_DIR/admin.key)")
    }

    /// Follows a task's events as Server-Sent Events, reconnecting with `Last-Event-ID`
    /// until the task's final status arrives.
    func followEvents(taskID: String, after: Int64 = 0, onEvent: (JSONValue) throws -> Void) async throws {
        var lastSeq = after
        var failures = 0
        while true {
            do {
                let client = try generatedClient(AnswerReader(key: key), timeout: .hours(24))
                let response = try await client.listTaskEvents(
                    path: .init(taskId: taskID),
                    headers: .init(lastEventID: Int(lastSeq), accept: [.init(contentType: .textEventStream)]))
                var parser = ServerSentEventParser()
                for try await chunk in try response.ok.body.textEventStream {
                    for event in try parser.feed(chunk) {
                        guard let data = try? JSONText.decode(event.data) else { continue }
                        if let seq = data["seq"]?.intValue { lastSeq = Int64(seq) }
                        try onEvent(data)
                        if data["type"] == "status", let status = data["data"]?["status"]?.stringValue.flatMap(TaskStatus.init(rawValue:)),
                            status.isFinal
                        {
                            return
                        }
                    }
                }
                failures = 0
            } catch let error as OpenAPIRuntime.ClientError where error.underlyingError is ClientError {
                throw error.underlyingError  // refused: trying again would not help
            } catch {
                // A lost connection or a cut stream: resume after the last event seen.
                failures += 1
                if failures > 30 { throw ClientError(description: "lost the event stream: \(error)") }
                try await Timers.sleep(for: .seconds(1))
            }
        }
    }
}

/// Sends the key, turns an error status into the CLI's message (`detail` of the error body),
/// and keeps a success's JSON body as sent. Event streams pass through unread.
final class AnswerReader: ClientMiddleware, Sendable {
    let key: String?
    private let body = Mutex<JSONValue?>(nil)

    init(key: String?) { self.key = key }

    /// The JSON of the last success.
    var json: JSONValue? { body.withLock { $0 } }

    func intercept(
        _ request: HTTPRequest, body requestBody: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        if let key { request.headerFields[.authorization] = "Bearer \(key)" }
        let (response, responseBody) = try await next(request, requestBody, baseURL)
        let success = response.status.kind == .successful
        if success, response.headerFields[.contentType]?.hasPrefix("text/event-stream") == true { return (response, responseBody) }
        var bytes: [UInt8] = []
        if let responseBody { bytes = try await [UInt8](collecting: responseBody, upTo: success ? 64 << 20 : 1 << 20) }
        let text = String(decoding: bytes, as: UTF8.self)
        let value = (try? JSONText.decode(text)) ?? .string(text)
        guard success else {
            throw HangarClient.refused(response.status.code, value["detail"]?.stringValue ?? text, sentKey: key != nil)
        }
        body.withLock { $0 = value }
        return (response, HTTPBody(bytes))
    }
}

/// The server's timestamps (RFC 3339, UTC, milliseconds), read with or without the fraction.
struct TimestampTranscoder: DateTranscoder {
    func encode(_ date: Date) throws -> String { Timestamp.format(date) }

    func decode(_ text: String) throws -> Date {
        guard let date = Timestamp.parse(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not an RFC 3339 timestamp: \(text)"))
        }
        return date
    }
}

func printJSON(_ value: JSONValue) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    if let data = try? encoder.encode(value) { print(String(decoding: data, as: UTF8.self)) }
}

func parseJSONArgument(_ text: String, name: String) throws -> JSONValue {
    do {
        return try JSONText.decode(text)
    } catch {
        throw ValidationError("\(name) is not valid JSON: \(text)")
    }
}

/// A JSON option as the generated type of its field (a free-form object, say).
func decodeJSONArgument<Value: Decodable>(_ text: String, name: String, as type: Value.Type) throws -> Value {
    let value = try parseJSONArgument(text, name: name)
    do {
        return try JSONDecoder().decode(Value.self, from: Data(JSONText.encode(value).utf8))
    } catch {
        throw ValidationError("\(name) must be a JSON object: \(text)")
    }
}
