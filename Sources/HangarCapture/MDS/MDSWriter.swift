public import Foundation
import HangarCore

/// Writes a MosaicML Streaming (MDS) dataset that `streaming.StreamingDataset` reads as is,
/// byte-compatible with `streaming.MDSWriter` 0.13.0:
///
/// - shard file: `uint32 num_samples`, `uint32 offsets[num_samples + 1]` (absolute, from the
///   start of the file), the writer config as `json.dumps(sort_keys=True)`, then the samples;
/// - sample: a `uint32` size for each variable-size column in column order, then each
///   column's bytes;
/// - `shard.NNNNN.mds`, or only `shard.NNNNN.mds.zstd` when compressed (the raw file is never
///   left on disk), with `raw_data` / `zip_data` sizes and hashes in `index.json`.
///
/// Unlike the Python writer, which writes a shard only when it is full, every `write` leaves
/// the open shard and `index.json` on disk, so a reader (or an upload) sees every finished
/// episode and a crash loses none. The price is rewriting the open shard per sample; keep
/// `sizeLimit` in proportion to how often samples arrive. A writer reopened on a directory
/// keeps its shards and starts a new one.
public final class MDSWriter {
    public let directory: URL
    public let config: MDSConfig
    private let configData: Data
    private var sealed: [MDSShardInfo]
    private var openShard: MDSShardInfo?
    private var openSamples: [Data] = []
    private var openSize = 0

    /// `4` bytes of offset per sample, as the Python writer counts them against the limit.
    static let extraBytesPerSample = 4

    public init(directory: URL, columns: [String: MDSEncoding], compression: MDSCompression?, hashes: [String] = [], sizeLimit: Int?) throws {
        guard hashes == hashes.sorted(), Set(hashes).count == hashes.count else {
            throw HangarError.invalid(field: "hashes", message: "hashes must be unique and sorted: \(hashes)")
        }
        for algo in hashes where !MDSHash.supported.contains(algo) {
            throw HangarError.invalid(field: "hashes", message: "unsupported hash '\(algo)' (supported: \(MDSHash.supported.sorted()))")
        }
        if let sizeLimit, !(1..<(1 << 32)).contains(sizeLimit) {
            throw HangarError.invalid(field: "size_limit", message: "\(sizeLimit) must be positive and below 2^32 (offsets are uint32)")
        }
        guard !columns.isEmpty else { throw HangarError.invalid(field: "columns", message: "no columns") }
        self.directory = directory
        let config = MDSConfig(schema: MDSSchema(columns), compression: compression, hashes: hashes, sizeLimit: sizeLimit)
        self.config = config
        self.configData = Data(PythonJSON.encode(config.json).utf8)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let existing = try MDSIndex.load(from: directory)?.shards ?? []
        if let other = existing.first(where: { $0.config.schema != config.schema }) {
            throw HangarError.conflict(
                "\(directory.path) holds MDS shards with columns \(other.config.schema.names), not \(config.schema.names)")
        }
        self.sealed = existing
        resetOpenShard()
    }

    /// Every shard on disk, the open one last.
    public var index: MDSIndex { MDSIndex(shards: sealed + (openShard.map { [$0] } ?? [])) }

    /// Appends one sample (every column present, typed as the schema says) and writes it out.
    public func write(_ sample: [String: MDSValue]) throws {
        let encoded = try config.schema.encode(sample)
        let size = encoded.count + Self.extraBytesPerSample
        // Same rule as `Writer.write`, minus its empty-shard quirk: a sample larger than the
        // limit gets a shard of its own rather than an empty shard before it.
        if let limit = config.sizeLimit, !openSamples.isEmpty, limit < openSize + size {
            if let openShard { sealed.append(openShard) }
            resetOpenShard()
        }
        openSamples.append(encoded)
        openSize += size
        do {
            try flush()
        } catch {
            openSamples.removeLast()
            openSize -= size
            throw error
        }
    }

    /// Writes the open shard (if it has samples) and `index.json`.
    public func flush() throws {
        if !openSamples.isEmpty { openShard = try writeShard(number: sealed.count, samples: openSamples) }
        try index.data.write(to: directory.appendingPathComponent(MDSIndex.basename), options: .atomic)
    }

    private func resetOpenShard() {
        openShard = nil
        openSamples = []
        openSize = 8 + configData.count
    }

    private func writeShard(number: Int, samples: [Data]) throws -> MDSShardInfo {
        let raw = try encodeShard(samples)
        let rawName = String(format: "shard.%05d.mds", number)
        let rawInfo = MDSFileInfo(basename: rawName, data: raw, algorithms: config.hashes)
        var zipInfo: MDSFileInfo?
        var stale = rawName + ".zstd"
        var fileName = rawName
        var fileData = raw
        if let compression = config.compression {
            let zipName = rawName + "." + compression.fileExtension
            fileData = try compression.compress(raw)
            zipInfo = MDSFileInfo(basename: zipName, data: fileData, algorithms: config.hashes)
            (fileName, stale) = (zipName, rawName)
        }
        try fileData.write(to: directory.appendingPathComponent(fileName), options: .atomic)
        try? FileManager.default.removeItem(at: directory.appendingPathComponent(stale))
        return MDSShardInfo(samples: samples.count, rawData: rawInfo, zipData: zipInfo, config: config)
    }

    /// `num_samples`, absolute offsets, config JSON, samples.
    func encodeShard(_ samples: [Data]) throws -> Data {
        let headerSize = 4 + 4 * (samples.count + 1) + configData.count
        let total = samples.reduce(headerSize) { $0 + $1.count }
        guard total < (1 << 32) else {
            throw HangarError.invalid(field: "size_limit", message: "shard of \(total) bytes exceeds uint32 offsets")
        }
        var data = Data(capacity: total)
        data.appendUInt32LE(UInt32(samples.count))
        var offset = headerSize
        data.appendUInt32LE(UInt32(offset))
        for sample in samples {
            offset += sample.count
            data.appendUInt32LE(UInt32(offset))
        }
        data.append(configData)
        for sample in samples { data.append(sample) }
        return data
    }
}
