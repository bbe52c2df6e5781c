public import Configuration
public import Foundation
import HangarCore
public import HangarSettings

extension BlobStoreConfiguration {
    enum Keys {
        static let directory = Setting(
            "directory", environment: "HANGAR_BLOB_DIR", value: "directory", default: "`<data-dir>/blobs`",
            help: "Where screenshots and other blobs go when no S3 bucket is named.")
        static let bucket = Setting("s3.bucket", environment: "HANGAR_S3_BUCKET", value: "bucket name", default: "unset", help: "Store blobs in this S3 bucket.")
        static let endpoint = Setting(
            "s3.endpoint", environment: "HANGAR_S3_ENDPOINT", value: "http(s) URL", default: "AWS's endpoint for the region",
            help: "An S3-compatible server (MinIO, R2, Ceph…).")
        static let prefix = Setting("s3.prefix", environment: "HANGAR_S3_PREFIX", value: "text", default: "none", help: "Key prefix inside the bucket.")
        static let region = Setting("s3.region", environment: "HANGAR_S3_REGION", aliases: ["AWS_REGION"], value: "region", default: "us-east-1", help: "Signing region.")
        static let accessKeyID = Setting(
            "s3.access_key_id", environment: "HANGAR_S3_ACCESS_KEY_ID", aliases: ["AWS_ACCESS_KEY_ID"], readsFile: true, value: "text", default: "unset",
            help: "S3 credentials: the access key id.")
        static let secretAccessKey = Setting(
            "s3.secret_access_key", environment: "HANGAR_S3_SECRET_ACCESS_KEY", aliases: ["AWS_SECRET_ACCESS_KEY"], readsFile: true, value: "text",
            default: "unset", secret: true, help: "S3 credentials: the secret key.")
        static let sessionToken = Setting(
            "s3.session_token", environment: "HANGAR_S3_SESSION_TOKEN", aliases: ["AWS_SESSION_TOKEN"], readsFile: true, value: "text", default: "unset",
            secret: true, help: "S3 credentials: a session token, for temporary credentials.")
        static let timeout = Setting(
            "s3.timeout", environment: "HANGAR_S3_TIMEOUT", value: "seconds ≥ 1", default: "300",
            help: "Per attempt: a silent S3 fails this long after the request began.")
        static let maxAttempts = Setting(
            "s3.max_attempts", environment: "HANGAR_S3_MAX_ATTEMPTS", value: "integer ≥ 1", default: "5", help: "Attempts per request (5xx, timeouts).")
    }

    /// The `blobs` area ([operations](operations.md#storage-faults)).
    public static let settings = SettingsArea(
        "blobs", summary: "Where browser agents' screenshots and other blobs are kept: a local directory, or an S3 bucket.",
        settings: [
            Keys.directory, Keys.bucket, Keys.endpoint, Keys.prefix, Keys.region, Keys.accessKeyID, Keys.secretAccessKey, Keys.sessionToken,
            Keys.timeout, Keys.maxAttempts,
        ])

    /// Reads the `blobs` area; `directory` is the default local directory.
    public init(config: ConfigReader, directory: URL) throws {
        guard let bucket = try config.text(Keys.bucket) else {
            self = .local(try config.text(Keys.directory).map { URL(fileURLWithPath: $0, isDirectory: true) } ?? directory)
            return
        }
        let region = try config.text(Keys.region) ?? "us-east-1"
        let endpoint: URL
        do {
            endpoint = try BlobStoreConfiguration.endpointURL(try config.text(Keys.endpoint), variable: Keys.endpoint.key, region: region)
        } catch HangarError.invalid(_, let message) {
            throw InvalidSetting(key: Keys.endpoint.key, problem: "is not usable: \(message)")
        }
        guard let credentials = try S3Credentials(config: config, accessKeyID: Keys.accessKeyID, secret: Keys.secretAccessKey, token: Keys.sessionToken)
        else { throw InvalidSetting(key: Keys.accessKeyID.key, problem: S3Credentials.missing) }
        var retry = S3RetryPolicy()
        if let attempts = try config.positiveInt(Keys.maxAttempts) { retry.maxAttempts = attempts }
        if let seconds = try config.positiveInt(Keys.timeout) { retry.requestTimeout = .seconds(seconds) }
        self = .s3(
            S3Configuration(endpoint: endpoint, region: region, credentials: credentials, retry: retry),
            bucket: bucket, prefix: try config.text(Keys.prefix) ?? "")
    }
}

extension S3Credentials {
    static let missing = "is not set: S3 needs credentials (an access key id and a secret key; the AWS_* variables and *_FILE also count)"

    /// Credentials from three settings (the area decides which variables they come from);
    /// `nil` when the key id or the secret is missing.
    public init?(config: ConfigReader, accessKeyID: Setting, secret: Setting, token: Setting) throws {
        guard let id = try config.text(accessKeyID), let secretKey = try config.text(secret) else { return nil }
        self.init(accessKeyID: id, secretAccessKey: secretKey, sessionToken: try config.text(token))
    }
}
