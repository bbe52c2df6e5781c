/// A failed S3 call, naming what was asked and what S3 answered.
public struct S3Error: Error, Sendable, Hashable, CustomStringConvertible {
    public var operation: String
    public var bucket: String
    public var key: String?
    /// HTTP status, or `nil` when no response arrived (connection error).
    public var status: Int?
    /// S3's error `Code` (`NoSuchBucket`, `AccessDenied`, `SignatureDoesNotMatch`, …).
    public var code: String?
    public var message: String
    public var requestID: String?
    public var attempts: Int
    /// No answer arrived within the request timeout (on the last attempt).
    public var timedOut: Bool

    public init(
        operation: String, bucket: String, key: String? = nil, status: Int? = nil, code: String? = nil, message: String,
        requestID: String? = nil, attempts: Int = 1, timedOut: Bool = false
    ) {
        self.operation = operation
        self.bucket = bucket
        self.key = key
        self.status = status
        self.code = code
        self.message = message
        self.requestID = requestID
        self.attempts = attempts
        self.timedOut = timedOut
    }

    /// S3's side failed (5xx, 429, no answer), not the request: worth trying again later.
    public var isS3Side: Bool { timedOut || status.map { S3RetryPolicy.isRetryable(status: $0) } ?? true }

    public var description: String {
        var text = "S3 \(operation) s3://\(bucket)/\(key ?? "")"
        if let status { text += " failed with HTTP \(status)" } else { text += " failed" }
        if let code { text += " \(code)" }
        text += ": \(message)"
        if attempts > 1 { text += " (after \(attempts) attempts)" }
        if let requestID { text += " [request \(requestID)]" }
        return text
    }
}
