import Foundation
import HangarBlobs
import HangarCore
import HangarSettings
import Testing

@testable import HangarCapture

@Suite("Capture configuration")
struct CaptureConfigurationTests {
    /// The `capture` area as `serve` reads it, from these environment variables only.
    func capture(_ environment: [String: String]) async throws -> CaptureConfiguration {
        let settings = try await Settings(areas: [CaptureConfiguration.settings], environment: environment)
        return try settings.area("capture") { try CaptureConfiguration(config: $0, directory: URL(fileURLWithPath: "./data/mds", isDirectory: true)) }
    }

    @Test("defaults are the original's (except keep_local, kept by default)")
    func defaults() async throws {
        let config = try await capture([:])
        #expect(config.outputDirectory.path.hasSuffix("data/mds"))
        #expect(config.remote == nil)
        #expect(config.keepLocal)
        #expect(config.fps == 2 && config.jpegQuality == 85 && config.minFrames == 4 && config.episodeTimeout == 900)
        #expect(config.compression?.name == "zstd:6")
        #expect(config.shardSizeLimit == 512 << 20)
        #expect(config.hashes == ["sha1"])
        #expect(config.s3 == nil)
    }

    @Test("every variable is read; S3 endpoint and credentials follow the documented order")
    func environment() async throws {
        let config = try await capture([
            "CAPTURE_OUT": "/var/capture", "CAPTURE_REMOTE": "s3://training-data/neko/mds/", "CAPTURE_KEEP_LOCAL": "0", "CAPTURE_FPS": "4.5",
            "CAPTURE_JPEG_QUALITY": "70", "CAPTURE_MIN_FRAMES": "10", "CAPTURE_EPISODE_TIMEOUT": "120", "CAPTURE_COMPRESSION": "none",
            "CAPTURE_SHARD_SIZE": "64kb", "CAPTURE_HASHES": "sha1,sha256", "S3_ENDPOINT_URL": "http://127.0.0.1:9000",
            "CAPTURE_S3_ACCESS_KEY_ID": "cap", "AWS_ACCESS_KEY_ID": "aws", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "eu-central-1",
        ])
        #expect(config.outputDirectory.path == "/var/capture")
        #expect(config.remote == CaptureRemote(bucket: "training-data", prefix: "neko/mds"))
        #expect(!config.keepLocal && config.fps == 4.5 && config.jpegQuality == 70 && config.minFrames == 10 && config.episodeTimeout == 120)
        #expect(config.compression == nil)
        #expect(config.shardSizeLimit == 65536)
        #expect(config.hashes == ["sha1", "sha256"])
        #expect(config.s3?.endpoint.absoluteString == "http://127.0.0.1:9000")
        #expect(config.s3?.region == "eu-central-1")
        #expect(config.s3?.credentials == S3Credentials(accessKeyID: "cap", secretAccessKey: "secret"))
    }

    @Test("sizes parse like streaming's bytes_to_int")
    func sizes() throws {
        #expect(try CaptureConfiguration.parseByteSize("512mb", field: "x") == 536_870_912)
        #expect(try CaptureConfiguration.parseByteSize("1.5KB", field: "x") == 1536)
        #expect(try CaptureConfiguration.parseByteSize("1000", field: "x") == 1000)
        #expect(try CaptureConfiguration.parseByteSize("1000b", field: "x") == 1000)
        #expect(throws: HangarError.self) { try CaptureConfiguration.parseByteSize("lots", field: "x") }
    }

    @Test("a bad value names its variable (the one that gave it: an alias, a *_FILE)", arguments: [
        ("CAPTURE_FPS", "fast"), ("CAPTURE_FPS", "0"), ("CAPTURE_JPEG_QUALITY", "101"), ("CAPTURE_MIN_FRAMES", "-1"),
        ("CAPTURE_EPISODE_TIMEOUT", "0"), ("CAPTURE_COMPRESSION", "gzip"), ("CAPTURE_SHARD_SIZE", "5gb"), ("CAPTURE_SHARD_SIZE", "12xb"),
        ("CAPTURE_KEEP_LOCAL", "maybe"), ("CAPTURE_REMOTE", "gs://bucket"), ("CAPTURE_REMOTE", "s3://Bad_Bucket"), ("CAPTURE_HASHES", "xxh64"),
        ("CAPTURE_S3_ENDPOINT", "not a url"), ("CAPTURE_S3_SECRET_ACCESS_KEY_FILE", "/nonexistent"), ("S3_ENDPOINT_URL", "ftp://x"),
    ])
    func badValues(variable: String, value: String) async {
        do {
            _ = try await capture([variable: value, "AWS_ACCESS_KEY_ID": "a"])
            Issue.record("\(variable)=\(value) must be refused")
        } catch {
            #expect(String(describing: error).hasPrefix(variable + " "), "\(error)")
        }
    }
}
