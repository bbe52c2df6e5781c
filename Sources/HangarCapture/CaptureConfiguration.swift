public import Foundation
public import HangarBlobs
import HangarCore

/// Capture settings, with the names and defaults of the original capture service
/// (`src/capture.py`): the `capture` area (`CaptureConfiguration+Settings`).
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
