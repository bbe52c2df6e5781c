import Crypto
import Foundation
import HangarCore
import Testing

@testable import HangarCapture

/// MosaicML Streaming's own code (through `scripts/read-mds.py`) reads what MDSWriter writes.
enum MosaicReader {
    static let install =
        "pip install --no-deps mosaicml-streaming==0.13.0 && pip install 'numpy<2.2' 'xxhash<4' 'zstd<2' typing_extensions brotli 'python-snappy<1' tqdm filelock pillow"

    static var script: String { packageRoot().appendingPathComponent("scripts/read-mds.py").path }

    static func python() throws -> String {
        guard let python = which("python3") else { throw CaptureTestError("python3 is not installed; the MDS tests need it and: \(install)") }
        return python
    }

    /// Every sample of the dataset, decoded by `streaming`'s MDSReader.
    static func read(_ dir: URL) async throws -> (shards: [JSONValue], samples: [JSONValue]) {
        let result = try await run(try python(), [script, dir.path])
        if result.status == 3 { throw CaptureTestError("MosaicML Streaming is missing: \(install)\n\(result.stderr)") }
        guard result.status == 0 else { throw CaptureTestError("read-mds.py failed (\(result.status)):\n\(result.stderr)") }
        let json = try JSONText.decode(bytes: Array(result.stdout))
        return (json["shards"]?.arrayValue ?? [], json["samples"]?.arrayValue ?? [])
    }

    /// The same samples written by `streaming.MDSWriter` into `out`.
    static func writeReference(columns: [String: MDSEncoding], samples: [[String: MDSValue]], compression: String?, sizeLimit: Int, to out: URL) async throws {
        let spec: JSONValue = [
            "columns": .object(columns.mapValues { .string($0.rawValue) }),
            "compression": compression.map { .string($0) } ?? .null,
            "hashes": ["sha1"],
            "size_limit": .int(Int64(sizeLimit)),
            "samples": .array(samples.map { sample in .object(sample.mapValues(\.specJSON)) }),
        ]
        let specURL = out.deletingLastPathComponent().appendingPathComponent("spec-\(UUID().uuidString).json")
        try Data(JSONText.encode(spec).utf8).write(to: specURL)
        defer { try? FileManager.default.removeItem(at: specURL) }
        let result = try await run(try python(), [script, "--write-reference", specURL.path, out.path])
        if result.status == 3 { throw CaptureTestError("MosaicML Streaming is missing: \(install)\n\(result.stderr)") }
        guard result.status == 0 else { throw CaptureTestError("reference writer failed (\(result.status)):\n\(result.stderr)") }
    }
}

extension MDSValue {
    var specJSON: JSONValue {
        switch self {
        case .str(let text): .string(text)
        case .bytes(let data): ["base64": .string(data.base64EncodedString())]
        case .int(let number): .int(number)
        case .json(let value): value
        }
    }

    /// What read-mds.py prints for the column.
    var readBack: JSONValue {
        switch self {
        case .bytes(let data): ["sha256": .string(SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()), "len": .int(Int64(data.count))]
        default: specJSON
        }
    }
}

@Suite("MDS shards read by MosaicML Streaming", .serialized)
struct MDSWriterTests {
    /// Episodes as the capture writes them: real zips of real JPEGs, varied text and agents.
    static func episodes(_ count: Int) throws -> [[String: MDSValue]] {
        try (0..<count).map { n in
            let frames = (0..<(4 + n % 3)).map { EpisodeFrame(jpeg: TestJPEG.make(seed: n * 10 + $0), ts: 1_764_472_500.5 + Double($0) / 2) }
            let archive = EpisodeArchive(
                episodeID: "episode-\(n)", task: n % 2 == 0 ? "Open YouTube #\(n)" : "Öffne die Suche 🎬 \(n)",
                startedAt: "2025-11-30T03:1\(n % 10):00", endedAt: "2025-11-30T03:2\(n % 10):00", screenWidth: 1280 + n, screenHeight: 720,
                agent: ["model": "showui-2b", "n": .int(Int64(n)), "tags": ["ä", "b\"c"], "temperature": 0.25],
                frames: frames, actions: [EpisodeAction(action: ["action": "CLICK"], raw: "CLICK", ts: 1_764_472_501)])
            return EpisodeSample.make(archive, payload: try archive.zipData())
        }
    }

    @Test("zstd shards: every column of every sample reads back, across several shards")
    func zstdShards() async throws {
        try await withTemporaryDirectory { dir in
            let samples = try Self.episodes(7)
            let writer = try MDSWriter(
                directory: dir, columns: EpisodeSample.columns, compression: try MDSCompression.parse("zstd:6"), hashes: ["sha1", "sha256"],
                sizeLimit: 6000)
            for sample in samples { try writer.write(sample) }

            let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            #expect(files.contains("index.json"))
            #expect(files.filter { $0.hasSuffix(".mds.zstd") }.count >= 2, "a 6000-byte limit rolls shards: \(files)")
            #expect(!files.contains { $0.hasSuffix(".mds") }, "raw shards are not left beside compressed ones")

            let read = try await MosaicReader.read(dir)
            #expect(read.shards.count == writer.index.shards.count)
            #expect(read.shards.allSatisfy { $0["compression"] == "zstd:6" && $0["size_limit"] == 6000 })
            #expect(read.samples.count == samples.count)
            for (written, decoded) in zip(samples, read.samples) {
                for (column, value) in written {
                    #expect(decoded[column] == value.readBack, "column \(column)")
                }
            }
            // Shards fill in order: shard numbers never decrease.
            let shardNumbers = read.samples.compactMap { $0["_shard"]?.intValue }
            #expect(shardNumbers == shardNumbers.sorted() && Set(shardNumbers).count >= 2)
        }
    }

    @Test("index.json is current after every sample: a reader sees each finished episode")
    func visibleAfterEachWrite() async throws {
        try await withTemporaryDirectory { dir in
            let samples = try Self.episodes(3)
            let writer = try MDSWriter(directory: dir, columns: EpisodeSample.columns, compression: nil, sizeLimit: 1 << 20)
            for (count, sample) in samples.enumerated() {
                try writer.write(sample)
                let read = try await MosaicReader.read(dir)
                #expect(read.samples.count == count + 1)
                #expect(read.samples.last?["episode_id"] == sample["episode_id"]?.readBack)
            }
            // Reopened: earlier shards stay, new samples go to a new shard.
            let reopened = try MDSWriter(directory: dir, columns: EpisodeSample.columns, compression: nil, sizeLimit: 1 << 20)
            try reopened.write(samples[0])
            let read = try await MosaicReader.read(dir)
            #expect(read.samples.count == 4)
            #expect(read.shards.count == 2)
            #expect(throws: HangarError.self) { try MDSWriter(directory: dir, columns: ["other": .int], compression: nil, sizeLimit: nil) }
        }
    }

    @Test("byte for byte what streaming.MDSWriter writes (index.json and shards)", arguments: [nil, "zstd:6"] as [String?])
    func identicalToReference(compression: String?) async throws {
        try await withTemporaryDirectory { dir in
            let samples = try Self.episodes(5)
            let ours = dir.appendingPathComponent("ours")
            let reference = dir.appendingPathComponent("reference")
            let writer = try MDSWriter(
                directory: ours, columns: EpisodeSample.columns, compression: try compression.flatMap { try MDSCompression.parse($0) },
                hashes: ["sha1"], sizeLimit: 9000)
            for sample in samples { try writer.write(sample) }
            try await MosaicReader.writeReference(columns: EpisodeSample.columns, samples: samples, compression: compression, sizeLimit: 9000, to: reference)

            let referenceIndex = try JSONText.decode(bytes: Array(try Data(contentsOf: reference.appendingPathComponent("index.json"))))
            let ourIndex = try JSONText.decode(bytes: Array(try Data(contentsOf: ours.appendingPathComponent("index.json"))))
            if compression == nil {
                #expect(try Data(contentsOf: ours.appendingPathComponent("index.json")) == Data(contentsOf: reference.appendingPathComponent("index.json")))
                for shard in writer.index.shards {
                    let name = shard.rawData.basename
                    #expect(try Data(contentsOf: ours.appendingPathComponent(name)) == Data(contentsOf: reference.appendingPathComponent(name)), "\(name)")
                }
            } else {
                // zstd builds may differ in compressed bytes; the uncompressed shards may not.
                let strip: (JSONValue) -> [JSONValue] = { index in
                    (index["shards"]?.arrayValue ?? []).map { shard in
                        guard case .object(var object) = shard else { return shard }
                        object["zip_data"] = object["zip_data"]?["basename"] ?? .null
                        return .object(object)
                    }
                }
                #expect(strip(ourIndex) == strip(referenceIndex))
            }
            #expect(ourIndex["shards"]?.arrayValue?.count == referenceIndex["shards"]?.arrayValue?.count)
        }
    }

    @Test("schema, hashes and size limits are checked")
    func validation() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mds-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: HangarError.self) { try MDSWriter(directory: dir, columns: ["a": .int], compression: nil, hashes: ["xxh64"], sizeLimit: nil) }
        #expect(throws: HangarError.self) { try MDSWriter(directory: dir, columns: ["a": .int], compression: nil, hashes: ["sha256", "sha1"], sizeLimit: nil) }
        #expect(throws: HangarError.self) { try MDSWriter(directory: dir, columns: ["a": .int], compression: nil, sizeLimit: 1 << 32) }
        let writer = try MDSWriter(directory: dir, columns: ["a": .int, "b": .str], compression: nil, sizeLimit: nil)
        #expect(throws: HangarError.self) { try writer.write(["a": .int(1)]) }
        #expect(throws: HangarError.self) { try writer.write(["a": .str("1"), "b": .str("x")]) }
        #expect(writer.index.samples == 0)
        #expect(throws: HangarError.self) { try MDSCompression.parse("zstd:23") }
        #expect(throws: HangarError.self) { try MDSCompression.parse("gz") }
        #expect(try MDSCompression.parse("none") == nil)
        #expect(try MDSCompression.parse("zstd")?.level == 3)
    }

    @Test("zstd output is a frame libzstd (and so streaming) decompresses")
    func zstdRoundTrip() throws {
        let data = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 % 251) })
        let compressed = try #require(try MDSCompression.parse("zstd:6")).compress(data)
        #expect(compressed.count < data.count / 10)
        #expect(compressed.starts(with: [0x28, 0xB5, 0x2F, 0xFD]))
        #expect(try MDSCompression.decompress(compressed) == data)
    }
}
