import Foundation
import HangarBlobs
import HangarCore
import Logging

/// One tenant's datasets under `CAPTURE_OUT/{tenant}/{dataset}/`. Episodes go to the open
/// dataset (the newest one not uploaded); uploading a dataset closes it, and the next episode
/// opens a new one. An actor per tenant, so one tenant's shard writes never wait on another's.
actor TenantDatasets {
    let root: URL
    let writerSettings: (compression: MDSCompression?, hashes: [String], sizeLimit: Int)
    let logger: Logger
    private var open: (id: String, writer: MDSWriter)?
    private var uploading: Set<String> = []

    static let manifestName = "upload.json"

    init(root: URL, compression: MDSCompression?, hashes: [String], sizeLimit: Int, logger: Logger) {
        self.root = root
        self.writerSettings = (compression, hashes, sizeLimit)
        self.logger = logger
    }

    /// Appends one sample to the open dataset and returns its id.
    func append(_ sample: [String: MDSValue]) throws -> String {
        let current = try openDataset()
        try current.writer.write(sample)
        return current.id
    }

    func list() throws -> [CaptureDataset] {
        let openID = open?.id ?? (try? resumableID())
        return try datasetIDs().compactMap { id in
            let dir = root.appendingPathComponent(id, isDirectory: true)
            let manifest = try? UploadManifest.load(from: dir)
            let index = try MDSIndex.load(from: dir)
            guard index != nil || manifest != nil else { return nil }
            return CaptureDataset(
                id: id, samples: index?.samples ?? manifest?.samples ?? 0, shards: index?.shards.count ?? manifest?.shards ?? 0,
                bytes: index?.bytes ?? manifest?.bytes ?? 0, localPath: index == nil ? nil : dir.path, isOpen: id == openID,
                remoteURL: manifest?.remoteURL, uploadedAt: manifest?.uploadedAt)
        }
    }

    func contains(_ id: String) throws -> Bool {
        try datasetIDs().contains(id)
    }

    /// Uploads `index.json` and the shards it names, then (unless `keepLocal`) deletes them.
    func upload(_ id: String, to remote: CaptureRemote, tenantDirectory: String, client: S3Client, keepLocal: Bool) async throws -> DatasetUpload {
        guard try datasetIDs().contains(id) else { throw HangarError.notFound(resource: "dataset", id: id) }
        guard !uploading.contains(id) else { throw HangarError.conflict("dataset '\(id)' is already being uploaded") }
        let dir = root.appendingPathComponent(id, isDirectory: true)
        guard let index = try MDSIndex.load(from: dir) else {
            throw HangarError.conflict("dataset '\(id)' has no local files to upload (uploaded before without keep_local)")
        }
        uploading.insert(id)
        defer { uploading.remove(id) }
        // Closed first, so no episode lands in it while (or after) it is copied.
        if open?.id == id { open = nil }

        let keyPrefix = [remote.prefix, tenantDirectory, id].filter { !$0.isEmpty }.joined(separator: "/")
        var files: [DatasetUpload.File] = []
        for name in index.shards.map(\.file.basename) + [MDSIndex.basename] {
            let data = try Data(contentsOf: dir.appendingPathComponent(name))
            let key = keyPrefix + "/" + name
            try await client.putObject(bucket: remote.bucket, key: key, data: data, contentType: name.hasSuffix(".json") ? "application/json" : "application/octet-stream")
            files.append(DatasetUpload.File(key: key, bytes: data.count))
        }
        let remoteURL = CaptureRemote(bucket: remote.bucket, prefix: keyPrefix).description
        let uploadedAt = Date()
        let manifest = UploadManifest(
            remoteURL: remoteURL, uploadedAt: uploadedAt, samples: index.samples, shards: index.shards.count, bytes: index.bytes,
            files: files.map(\.key))
        try manifest.save(to: dir)
        if !keepLocal {
            for name in index.shards.map(\.file.basename) + [MDSIndex.basename] {
                try? FileManager.default.removeItem(at: dir.appendingPathComponent(name))
            }
        }
        logger.info("capture dataset uploaded", metadata: ["dataset": "\(id)", "remote": "\(remoteURL)", "files": "\(files.count)"])
        return DatasetUpload(
            datasetID: id, remoteURL: remoteURL, bucket: remote.bucket, files: files, samples: index.samples, uploadedAt: uploadedAt,
            removedLocal: !keepLocal)
    }

    // MARK: - Layout

    private func openDataset() throws -> (id: String, writer: MDSWriter) {
        if let open { return open }
        let id = try resumableID() ?? Self.newID()
        let writer = try MDSWriter(
            directory: root.appendingPathComponent(id, isDirectory: true), columns: EpisodeSample.columns,
            compression: writerSettings.compression, hashes: writerSettings.hashes, sizeLimit: writerSettings.sizeLimit)
        open = (id, writer)
        return (id, writer)
    }

    /// After a restart, episodes continue in the newest dataset that was never uploaded.
    private func resumableID() throws -> String? {
        try datasetIDs().last { id in
            !FileManager.default.fileExists(atPath: root.appendingPathComponent(id).appendingPathComponent(Self.manifestName).path)
        }
    }

    /// Dataset directories, oldest first (ids sort by creation time).
    private func datasetIDs() throws -> [String] {
        guard FileManager.default.fileExists(atPath: root.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: root.path).filter(Self.isDatasetID).sorted()
    }

    /// `20261130T031500Z-1a2b3c`: sortable by time, unique enough within a tenant.
    static func newID(now: Date = Date()) -> String {
        let (amzDate, _) = SigV4Signer.timestamps(now)
        return amzDate + "-" + String(UInt32.random(in: 0..<(1 << 24)), radix: 16).leftPad(6)
    }

    static func isDatasetID(_ name: String) -> Bool {
        // `-`, `T`, `Z`, digits and lower-case hex.
        name.utf8.count == 23 && name.utf8.allSatisfy { ASCII.isDigit($0) || ($0 >= 0x61 && $0 <= 0x66) || $0 == 0x2D || $0 == 0x54 || $0 == 0x5A }
    }
}

/// `upload.json` beside a dataset: where it went, kept even when the local files are removed.
struct UploadManifest: Codable {
    var remoteURL: String
    var uploadedAt: Date
    var samples: Int
    var shards: Int
    var bytes: Int
    var files: [String]

    static func load(from dir: URL) throws -> UploadManifest? {
        let url = dir.appendingPathComponent(TenantDatasets.manifestName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(UploadManifest.self, from: Data(contentsOf: url))
    }

    func save(to dir: URL) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try encoder.encode(self).write(to: dir.appendingPathComponent(TenantDatasets.manifestName), options: .atomic)
    }
}

extension String {
    fileprivate func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
