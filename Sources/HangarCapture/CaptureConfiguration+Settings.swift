public import Configuration
public import Foundation
import HangarBlobs
import HangarCore
public import HangarSettings

extension CaptureConfiguration {
    enum Keys {
        static let out = Setting(
            "out", environment: "CAPTURE_OUT", value: "directory", default: "`<data-dir>/mds`",
            help: "Local dataset root (one directory per tenant and dataset).")
        static let remote = Setting("remote", environment: "CAPTURE_REMOTE", value: "`s3://bucket/prefix`", default: "unset", help: "Where datasets are uploaded.")
        static let keepLocal = Setting("keep_local", environment: "CAPTURE_KEEP_LOCAL", value: "true/false", default: "true", help: "Keep local shards after an upload.")
        static let fps = Setting("fps", environment: "CAPTURE_FPS", value: "number in (0, 30]", default: "2", help: "Frames sampled per second.")
        static let jpegQuality = Setting(
            "jpeg_quality", environment: "CAPTURE_JPEG_QUALITY", value: "1–100", default: "85", help: "Recorded in `meta.json` for the frame source.")
        static let minFrames = Setting("min_frames", environment: "CAPTURE_MIN_FRAMES", value: "integer ≥ 0", default: "4", help: "Shorter episodes are dropped.")
        static let episodeTimeout = Setting(
            "episode_timeout", environment: "CAPTURE_EPISODE_TIMEOUT", value: "seconds", default: "900", help: "An episode finishes on its own after this.")
        static let compression = Setting(
            "compression", environment: "CAPTURE_COMPRESSION", value: "`none`, `zstd`, `zstd:1…22`", default: "zstd:6", help: "Shard compression.")
        static let shardSize = Setting(
            "shard_size", environment: "CAPTURE_SHARD_SIZE", value: "bytes, or `kb`/`mb`/`gb` (1024-based), below 4gb", default: "512mb",
            help: "Largest shard.")
        static let hashes = Setting(
            "hashes", environment: "CAPTURE_HASHES", value: "names, comma-separated, sorted", default: "sha1", help: "Shard hashes in `index.json`.")
        static let endpoint = Setting(
            "s3.endpoint", environment: "CAPTURE_S3_ENDPOINT", aliases: ["S3_ENDPOINT_URL", "HANGAR_S3_ENDPOINT"], value: "http(s) URL",
            default: "AWS's endpoint for the region", help: "S3 server uploads go to (`S3_ENDPOINT_URL` is what `streaming` reads).")
        static let region = Setting(
            "s3.region", environment: "CAPTURE_S3_REGION", aliases: ["AWS_REGION", "HANGAR_S3_REGION"], value: "region", default: "us-east-1",
            help: "Signing region of uploads.")
        static let accessKeyID = Setting(
            "s3.access_key_id", environment: "CAPTURE_S3_ACCESS_KEY_ID", aliases: ["HANGAR_S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"], readsFile: true,
            value: "text", default: "unset", help: "Upload credentials: the access key id.")
        static let secretAccessKey = Setting(
            "s3.secret_access_key", environment: "CAPTURE_S3_SECRET_ACCESS_KEY", aliases: ["HANGAR_S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"],
            readsFile: true, value: "text", default: "unset", secret: true, help: "Upload credentials: the secret key.")
        static let sessionToken = Setting(
            "s3.session_token", environment: "CAPTURE_S3_SESSION_TOKEN", aliases: ["HANGAR_S3_SESSION_TOKEN", "AWS_SESSION_TOKEN"], readsFile: true,
            value: "text", default: "unset", secret: true, help: "Upload credentials: a session token.")
        static let all = [
            out, remote, keepLocal, fps, jpegQuality, minFrames, episodeTimeout, compression, shardSize, hashes, endpoint, region, accessKeyID,
            secretAccessKey, sessionToken,
        ]
    }

    /// The `capture` area ([capture](capture.md)).
    public static let settings = SettingsArea(
        "capture", summary: "Training-data capture of browser episodes into MDS datasets, uploaded to S3.", settings: Keys.all)

    /// Reads the `capture` area; `directory` is the default dataset root. Without credentials
    /// `s3` stays `nil` (an upload then fails naming them); an unreadable `*_FILE` stops start-up.
    public init(config: ConfigReader, directory: URL) throws {
        self.init(outputDirectory: try config.text(Keys.out).map { URL(fileURLWithPath: $0, isDirectory: true) } ?? directory)
        do {
            if let remote = try config.text(Keys.remote) { self.remote = try CaptureRemote.parse(remote, field: Keys.remote.environment) }
            if let keep = try config.bool(Keys.keepLocal) { keepLocal = keep }
            if let fps = try config.double(Keys.fps) { self.fps = fps }
            if let quality = try config.int(Keys.jpegQuality) { jpegQuality = quality }
            if let minFrames = try config.int(Keys.minFrames) { self.minFrames = minFrames }
            if let timeout = try config.double(Keys.episodeTimeout) { episodeTimeout = timeout }
            if let compression = try config.text(Keys.compression) {
                self.compression = try MDSCompression.parse(compression, field: Keys.compression.environment)
            }
            if let size = try config.text(Keys.shardSize) { shardSizeLimit = try Self.parseByteSize(size, field: Keys.shardSize.environment) }
            if let hashes = try config.list(Keys.hashes) { self.hashes = hashes.map { $0.lowercased() } }
            try validate()
            let region = try config.text(Keys.region) ?? "us-east-1"
            let endpoint = try BlobStoreConfiguration.endpointURL(try config.text(Keys.endpoint), variable: Keys.endpoint.environment, region: region)
            if let credentials = try S3Credentials(config: config, accessKeyID: Keys.accessKeyID, secret: Keys.secretAccessKey, token: Keys.sessionToken) {
                s3 = S3Configuration(endpoint: endpoint, region: region, credentials: credentials)
            }
        } catch HangarError.invalid(let field, let message) {
            // The checks shared with the API name variables; the settings name their key.
            let key = Keys.all.first { $0.environment == field }?.key ?? field
            throw InvalidSetting(key: key, problem: "is not usable: \(message)")
        }
    }
}
