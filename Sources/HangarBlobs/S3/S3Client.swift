public import AsyncHTTPClient
import HangarErrorText
public import Foundation
import HangarCore
import HangarTimers
public import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Where and as whom to talk S3: any S3-compatible endpoint, addressed path-style
/// (`{endpoint}/{bucket}/{key}`) so it works with MinIO, moto and custom domains alike.
public struct S3Configuration: Sendable, Hashable {
    public var endpoint: URL
    public var region: String
    public var credentials: S3Credentials
    public var retry: S3RetryPolicy

    public init(endpoint: URL, region: String = "us-east-1", credentials: S3Credentials, retry: S3RetryPolicy = S3RetryPolicy()) {
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials
        self.retry = retry
    }

    /// AWS's own regional endpoint, for when none is configured.
    public static func awsEndpoint(region: String) -> URL? {
        URL(string: "https://s3.\(region).amazonaws.com")
    }
}

/// Bounded retries for 5xx, 429 and connection errors: exponential backoff with jitter.
public struct S3RetryPolicy: Sendable, Hashable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// Deadline of one attempt, upload included. AsyncHTTPClient keeps retrying a refused
    /// connection until this deadline, so it also bounds how long an unreachable endpoint
    /// holds up each attempt.
    public var requestTimeout: Duration

    public init(maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(10), requestTimeout: Duration = .seconds(300)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.requestTimeout = requestTimeout
    }

    /// Exponential, each wait drawn from [½, 1] of its step, so a fleet of writers does not retry in lockstep.
    var backoff: Backoff { Backoff(.exponential(base: baseDelay, maximum: maxDelay), spread: 0.5...1) }

    static func isRetryable(status: Int) -> Bool { status == 429 || status >= 500 }
}

/// The handful of S3 operations Hangar needs, each signed with SigV4 and retried.
public struct S3Client: Sendable {
    public let configuration: S3Configuration
    let http: HTTPClient
    let logger: Logger
    /// Largest object body `getObject` reads into memory.
    public var maxObjectSize = 4 << 30

    public init(configuration: S3Configuration, httpClient: HTTPClient = .shared, logger: Logger = Logger(label: "hangar.s3")) {
        self.configuration = configuration
        self.http = httpClient
        self.logger = logger
    }

    public func putObject(bucket: String, key: String, data: Data, contentType: String = "application/octet-stream") async throws {
        _ = try await send(
            "PutObject", method: .PUT, bucket: bucket, key: key, body: data, headers: ["content-type": contentType], expect: [200])
    }

    /// The object's bytes, or `nil` when the key does not exist.
    public func getObject(bucket: String, key: String) async throws -> Data? {
        let reply = try await send("GetObject", method: .GET, bucket: bucket, key: key, expect: [200, 404], allowNotFoundCode: "NoSuchKey")
        return reply.status == 404 ? nil : reply.body
    }

    /// Deleting a missing key succeeds (S3 answers 204 either way).
    public func deleteObject(bucket: String, key: String) async throws {
        _ = try await send("DeleteObject", method: .DELETE, bucket: bucket, key: key, expect: [200, 204, 404], allowNotFoundCode: "NoSuchKey")
    }

    /// Every object under `prefix`, following continuation tokens.
    public func listObjects(bucket: String, prefix: String) async throws -> [S3Object] {
        var objects: [S3Object] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix)]
            if let token { query.append(("continuation-token", token)) }
            let reply = try await send("ListObjectsV2", method: .GET, bucket: bucket, key: nil, query: query, expect: [200])
            guard let page = S3ListPage(xml: reply.body) else {
                throw S3Error(operation: "ListObjectsV2", bucket: bucket, key: prefix, status: reply.status, message: "unreadable ListBucketResult XML")
            }
            objects += page.objects
            token = page.nextContinuationToken
        } while token != nil
        return objects
    }

    /// Creates the bucket; a bucket that already exists and is ours is fine.
    public func createBucket(_ bucket: String) async throws {
        var body = Data()
        if configuration.region != "us-east-1" {
            body = Data(
                """
                <CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\
                <LocationConstraint>\(configuration.region)</LocationConstraint></CreateBucketConfiguration>
                """.utf8)
        }
        let reply = try await send("CreateBucket", method: .PUT, bucket: bucket, key: nil, body: body, expect: [200, 409])
        if reply.status == 409 {
            let error = S3ErrorBody(xml: reply.body)
            guard error.code == "BucketAlreadyOwnedByYou" else {
                throw S3Error(
                    operation: "CreateBucket", bucket: bucket, status: 409, code: error.code, message: error.message ?? "conflict",
                    requestID: error.requestID)
            }
        }
    }

    // MARK: - Transport

    struct Reply {
        var status: Int
        var body: Data
    }

    private func send(
        _ operation: String, method: HTTPMethod, bucket: String, key: String?, query: [(String, String)] = [], body: Data = Data(),
        headers extra: [String: String] = [:], expect: Set<Int>, allowNotFoundCode: String? = nil
    ) async throws -> Reply {
        try Self.validateBucket(bucket, operation: operation)
        let retry = configuration.retry
        var attempt = 0
        while true {
            attempt += 1
            let request = try makeRequest(method: method, bucket: bucket, key: key, query: query, body: body, headers: extra)
            switch try await once(operation, request, bucket: bucket, key: key, readLimit: method == .GET ? maxObjectSize : 1 << 20,
                expect: expect, allowNotFoundCode: allowNotFoundCode, attempt: attempt)
            {
            case .done(let reply):
                return reply
            case .retry(let failure):
                guard attempt < retry.maxAttempts else { throw failure }
                let delay = retry.backoff.delay(afterFailure: attempt)
                logger.warning("S3 call failed, retrying", metadata: ["error": "\(failure)", "retry_in": "\(delay)"])
                try await Timers.sleep(for: delay)
            }
        }
    }

    enum Attempt {
        case done(Reply)
        /// Worth another try: 5xx, 429, or no response at all.
        case retry(S3Error)
    }

    /// One request; throws failures no retry can fix.
    private func once(
        _ operation: String, _ request: HTTPClientRequest, bucket: String, key: String?, readLimit: Int, expect: Set<Int>,
        allowNotFoundCode: String?, attempt: Int
    ) async throws -> Attempt {
        let status: Int
        let data: Data
        do {
            let response = try await http.execute(request, timeout: .nanoseconds(Int64(configuration.retry.requestTimeout.seconds * 1e9)), logger: logger)
            status = Int(response.status.code)
            data = Data(buffer: try await response.body.collect(upTo: readLimit))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // No usable response: connection refused, reset, timed out.
            if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout {
                let seconds = Int(configuration.retry.requestTimeout.seconds.rounded(.up))
                return .retry(
                    S3Error(
                        operation: operation, bucket: bucket, key: key, message: "no answer within the request timeout (\(seconds) s)",
                        attempts: attempt, timedOut: true))
            }
            return .retry(S3Error(operation: operation, bucket: bucket, key: key, message: "\(ErrorText.describe(error))", attempts: attempt))
        }
        let error = S3ErrorBody(xml: data)
        // A 404 for a missing bucket is an error even where a missing key is not.
        if expect.contains(status), status != 404 || error.code == nil || error.code == allowNotFoundCode {
            return .done(Reply(status: status, body: data))
        }
        let failure = S3Error(
            operation: operation, bucket: bucket, key: key, status: status, code: error.code,
            message: error.message ?? (String(data: data.prefix(300), encoding: .utf8) ?? "no message"), requestID: error.requestID,
            attempts: attempt)
        guard S3RetryPolicy.isRetryable(status: status) else { throw failure }
        return .retry(failure)
    }

    func makeRequest(
        method: HTTPMethod, bucket: String, key: String?, query: [(String, String)], body: Data, headers extra: [String: String],
        date: Date = Date()
    ) throws -> HTTPClientRequest {
        let endpoint = configuration.endpoint
        guard let scheme = endpoint.scheme, let host = endpoint.host else {
            throw S3Error(operation: method.rawValue, bucket: bucket, key: key, message: "endpoint '\(endpoint)' has no scheme or host")
        }
        var basePath = endpoint.path
        while basePath.hasSuffix("/") { basePath.removeLast() }
        var path = basePath + "/" + SigV4Signer.uriEncode(bucket)
        if let key { path += "/" + SigV4Signer.uriEncode(key, keepSlash: true) }
        let hostHeader = endpoint.port.map { "\(host):\($0)" } ?? host

        let payloadHash = SigV4Signer.sha256Hex(body)
        let (amzDate, _) = SigV4Signer.timestamps(date)
        var headers = extra
        headers["host"] = hostHeader
        headers["x-amz-date"] = amzDate
        headers["x-amz-content-sha256"] = payloadHash
        if let token = configuration.credentials.sessionToken { headers["x-amz-security-token"] = token }
        let signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region)
        let signature = signer.sign(method: method.rawValue, path: path, query: query, headers: headers, payloadHash: payloadHash, date: date)

        let queryString = SigV4Signer.canonicalQuery(query)
        var request = HTTPClientRequest(url: "\(scheme)://\(hostHeader)\(path)\(queryString.isEmpty ? "" : "?" + queryString)")
        request.method = method
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        request.headers.replaceOrAdd(name: "authorization", value: signature.authorization)
        if !body.isEmpty || method == .PUT {
            request.headers.replaceOrAdd(name: "content-length", value: String(body.count))
            request.body = .bytes(ByteBuffer(data: body))
        }
        return request
    }

    /// Path-style addressing puts the bucket in the path: refuse names that would change it.
    static func validateBucket(_ bucket: String, operation: String) throws {
        let allowed = bucket.utf8.allSatisfy { ASCII.isLower($0) || ASCII.isDigit($0) || $0 == 0x2D || $0 == 0x2E || $0 == 0x5F }
        guard (3...63).contains(bucket.count), allowed else {
            throw S3Error(operation: operation, bucket: bucket, message: "invalid bucket name")
        }
    }
}
