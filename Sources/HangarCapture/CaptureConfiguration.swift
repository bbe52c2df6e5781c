public import Foundation
public import HangarBlobs
import HangarCore

/// Capture settings, read from the environment with the names and defaults of the original
/// capture service (`src/capture.py`):
///
/// | variable | default | |
/// |---|---|---|
/// | `CAPTURE_OUT` | `./data/mds`; `<data-dir>/mds` in `hangar serve` / `worker` | local dataset root (one directory per tenant and dataset) |
/// | `CAPTURE_REMOTE` | — | `s3://bucket/prefix` datasets are uploaded to |
/// | `CAPTURE_KEEP_LOCAL` | `1` | keep local shards after an upload |
/// | `CAPTURE_FPS` | `2` | frames sampled per second |
/// | `CAPTURE_JPEG_QUALITY` | `85` | recorded in `meta.json` for the frame source |
/// | `CAPTURE_MIN_FRAMES` | `4` | shorter episodes are dropped |
/// | `CAPTURE_EPISODE_TIMEOUT` | `900` | seconds before an episode finishes on its own |
/// | `CAPTURE_COMPRESSION` | `zstd:6` | `none`, `zstd`, `zstd:1…22` |
/// | `CAPTURE_SHARD_SIZE` | `512mb` | bytes, or `kb`/`mb`/`gb` (powers of 1024) |
/// | `CAPTURE_HASHES` | `sha1` | shard hashes in `index.json` |
///
/// S3 for uploads: `CAPTURE_S3_ENDPOINT`, else `S3_ENDPOINT_URL` (what `streaming` reads),
/// else `HANGAR_S3_ENDPOINT`; region `CAPTURE_S3_REGION` / `AWS_REGION` / `HANGAR_S3_REGION`
/// (default `us-east-1`); credentials `CAPTURE_S3_*`, `HANGAR_S3_*`, then `AWS_*`, each also
/// as `*_FILE`.
public struct CaptureConfiguration: Sendable, Hashable {
    public var outputDirectory: URL
    public var remote: CaptureRemote?
    public var keepLocal: Bool
    public var fps: Double
    public var jpegQuality: Int
    public var minFrames: Int
    public var episodeTimeout: Double
    public var compression: MDSCompression?
    public var shardSizeLimit: Int
    public var hashes: [String]
    /// S3 endpoint, region and credentials for uploads; `nil` when no credentials are set
    /// (an upload then fails naming the missing variables).
    public var s3: S3Configuration?

    public init(
        outputDirectory: URL = URL(fileURLWithPath: "./data/mds", isDirectory: true), remote: CaptureRemote? = nil, keepLocal: Bool = true,
        fps: Double = 2, jpegQuality: Int = 85, minFrames: Int = 4, episodeTimeout: Double = 900,
        compression: MDSCompression? = MDSCompression(level: 6), shardSizeLimit: Int = 512 << 20, hashes: [String] = ["sha1"],
        s3: S3Configuration? = nil
    ) {
        self.outputDirectory = outputDirectory
        self.remote = remote
        self.keepLocal = keepLocal
        self.fps = fps
        self.jpegQuality = jpegQuality
        self.minFrames = minFrames
        self.episodeTimeout = episodeTimeout
        self.compression = compression
        self.shardSizeLimit = shardSizeLimit
        self.hashes = hashes
        self.s3 = s3
    }

    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> CaptureConfiguration {
        var config = CaptureConfiguration()
        if let out = value(env, "CAPTURE_OUT") { config.outputDirectory = URL(fileURLWithPath: out, isDirectory: true) }
        if let remote = value(env, "CAPTURE_REMOTE") { config.remote = try CaptureRemote.parse(remote, field: "CAPTURE_REMOTE") }
        if let keep = value(env, "CAPTURE_KEEP_LOCAL") { config.keepLocal = try parseBool(keep, field: "CAPTURE_KEEP_LOCAL") }
        if let fps = value(env, "CAPTURE_FPS") { config.fps = try parseDouble(fps, field: "CAPTURE_FPS") }
        if let quality = value(env, "CAPTURE_JPEG_QUALITY") { config.jpegQuality = try parseInt(quality, field: "CAPTURE_JPEG_QUALITY") }
        if let minFrames = value(env, "CAPTURE_MIN_FRAMES") { config.minFrames = try parseInt(minFrames, field: "CAPTURE_MIN_FRAMES") }
        if let timeout = value(env, "CAPTURE_EPISODE_TIMEOUT") {
            config.episodeTimeout = try parseDouble(timeout, field: "CAPTURE_EPISODE_TIMEOUT")
        }
        if let compression = env["CAPTURE_COMPRESSION"] {
            config.compression = try MDSCompression.parse(compression, field: "CAPTURE_COMPRESSION")
        }
        if let size = value(env, "CAPTURE_SHARD_SIZE") { config.shardSizeLimit = try parseByteSize(size, field: "CAPTURE_SHARD_SIZE") }
        if let hashes = env["CAPTURE_HASHES"] {
            config.hashes = hashes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        }
        try config.validate()
        config.s3 = try s3Configuration(env)
        return config
    }

    /// Checks every setting; errors name the environment variable.
    public func validate() throws {
        guard fps.isFinite, fps > 0, fps <= 30 else { throw HangarError.invalid(field: "CAPTURE_FPS", message: "\(fps) must be in (0, 30]") }
        guard (1...100).contains(jpegQuality) else {
            throw HangarError.invalid(field: "CAPTURE_JPEG_QUALITY", message: "\(jpegQuality) must be in 1…100")
        }
        guard minFrames >= 0 else { throw HangarError.invalid(field: "CAPTURE_MIN_FRAMES", message: "\(minFrames) must be 0 or more") }
        guard episodeTimeout.isFinite, episodeTimeout > 0 else {
            throw HangarError.invalid(field: "CAPTURE_EPISODE_TIMEOUT", message: "\(episodeTimeout) must be a positive number of seconds")
        }
        guard (1..<(1 << 32)).contains(shardSizeLimit) else {
            throw HangarError.invalid(field: "CAPTURE_SHARD_SIZE", message: "\(shardSizeLimit) must be positive and below 4gb (uint32 offsets)")
        }
        guard hashes == hashes.sorted(), Set(hashes).count == hashes.count, hashes.allSatisfy(MDSHash.supported.contains) else {
            throw HangarError.invalid(
                field: "CAPTURE_HASHES", message: "\(hashes) must be unique, sorted and among \(MDSHash.supported.sorted())")
        }
    }

    /// `512mb` → 536870912. Same units as `streaming.base.util.bytes_to_int` (1024-based;
    /// a bare number or `Nb` is bytes).
    public static func parseByteSize(_ text: String, field: String) throws -> Int {
        let value = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("kb", 1024), ("mb", 1_048_576), ("gb", 1_073_741_824), ("tb", 1_099_511_627_776)]
        for (suffix, factor) in units where value.hasSuffix(suffix) {
            if let number = Double(value.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), number.isFinite, number > 0,
                number * factor < 1e18
            {
                return Int(number * factor)
            }
            throw HangarError.invalid(field: field, message: "'\(text)' is not a size like 512mb")
        }
        let digits = value.hasSuffix("b") ? String(value.dropLast()) : value
        guard let bytes = Int(digits), bytes > 0 else { throw HangarError.invalid(field: field, message: "'\(text)' is not a size like 512mb") }
        return bytes
    }

    static func value(_ env: [String: String], _ name: String) -> String? {
        guard let text = env[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        return text
    }

    static func parseBool(_ text: String, field: String) throws -> Bool {
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw HangarError.invalid(field: field, message: "'\(text)' is not a boolean (1/0, true/false)")
        }
    }

    static func parseDouble(_ text: String, field: String) throws -> Double {
        guard let number = Double(text), number.isFinite else { throw HangarError.invalid(field: field, message: "'\(text)' is not a number") }
        return number
    }

    static func parseInt(_ text: String, field: String) throws -> Int {
        guard let number = Int(text) else { throw HangarError.invalid(field: field, message: "'\(text)' is not an integer") }
        return number
    }

    static func s3Configuration(_ env: [String: String]) throws -> S3Configuration? {
        let region = value(env, "CAPTURE_S3_REGION") ?? value(env, "AWS_REGION") ?? value(env, "HANGAR_S3_REGION") ?? "us-east-1"
        let endpointVariable = ["CAPTURE_S3_ENDPOINT", "S3_ENDPOINT_URL", "HANGAR_S3_ENDPOINT"].first { value(env, $0) != nil }
        let endpoint = try BlobStoreConfiguration.endpointURL(
            endpointVariable.flatMap { value(env, $0) }, variable: endpointVariable ?? "CAPTURE_S3_ENDPOINT", region: region)
        let credentials: S3Credentials
        do {
            credentials = try S3Credentials.fromEnvironment(env, prefixes: ["CAPTURE_S3_", "HANGAR_S3_"])
        } catch let error as HangarError {
            // Missing credentials only matter once something is uploaded; unreadable files matter now.
            if case .invalid(let field, _) = error, field.hasSuffix("_FILE") { throw error }
            return nil
        }
        return S3Configuration(endpoint: endpoint, region: region, credentials: credentials)
    }
}

/// `s3://bucket/prefix`: where datasets are uploaded.
public struct CaptureRemote: Sendable, Hashable, CustomStringConvertible {
    public var bucket: String
    /// Empty, or without leading/trailing `/`.
    public var prefix: String

    public init(bucket: String, prefix: String = "") {
        self.bucket = bucket
        self.prefix = prefix.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
    }

    public var description: String { prefix.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(prefix)" }

    public static func parse(_ text: String, field: String) throws -> CaptureRemote {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("s3://") else {
            throw HangarError.invalid(field: field, message: "'\(text)' is not an s3://bucket/prefix URL")
        }
        let rest = trimmed.dropFirst(5)
        let parts = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let bucket = String(parts.first ?? "")
        let prefix = parts.count > 1 ? String(parts[1]).trimmingCharacters(in: CharacterSet(charactersIn: "/")) : ""
        guard (3...63).contains(bucket.count), bucket.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" || $0 == "." }),
            bucket.allSatisfy(\.isASCII)
        else {
            throw HangarError.invalid(field: field, message: "'\(bucket)' is not a valid bucket name")
        }
        if !prefix.isEmpty { try BlobKey.validate(prefix, field: field) }
        return CaptureRemote(bucket: bucket, prefix: prefix)
    }
}
