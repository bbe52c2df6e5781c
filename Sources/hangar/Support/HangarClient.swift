import ArgumentParser
import AsyncHTTPClient
import Foundation
import HangarCore
import HangarSSE
import HangarTimers
import NIOCore
import NIOHTTP1

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

/// A thin JSON-over-HTTP client for the CLI.
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

    func send(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil, headers: [(String, String)] = []) async throws -> JSONValue {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: JSONText.encode(body)))
        }
        let response: HTTPClientResponse
        do {
            response = try await Self.http.execute(request, timeout: .seconds(60))
        } catch {
            throw Self.unreachable(base, error)
        }
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let value = (try? JSONText.decode(String(buffer: bytes))) ?? .string(String(buffer: bytes))
        guard (200..<300).contains(Int(response.status.code)) else {
            let detail = value["detail"]?.stringValue ?? String(buffer: bytes)
            throw Self.refused(Int(response.status.code), detail, sentKey: key != nil)
        }
        return value
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
            var request = HTTPClientRequest(url: base + "/api/v1/tasks/\(taskID)/events")
            request.headers.add(name: "Accept", value: "text/event-stream")
            request.headers.add(name: "Last-Event-ID", value: String(lastSeq))
            if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
            do {
                let response = try await Self.http.execute(request, timeout: .hours(24))
                guard response.status == .ok else {
                    let bytes = try await response.body.collect(upTo: 1 << 20)
                    let detail = (try? JSONText.decode(String(buffer: bytes)))?["detail"]?.stringValue ?? String(buffer: bytes)
                    throw Self.refused(Int(response.status.code), detail, sentKey: key != nil)
                }
                var parser = ServerSentEventParser()
                for try await buffer in response.body {
                    for event in try parser.feed(buffer.readableBytesView) {
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
            } catch let error as ClientError {
                throw error
            } catch {
                failures += 1
                if failures > 30 { throw ClientError(description: "lost the event stream: \(error)") }
                try await Timers.sleep(for: .seconds(1))
            }
        }
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
