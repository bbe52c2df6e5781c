import Crypto
public import Foundation
import HangarCore

/// A shard file as `index.json` describes it.
public struct MDSFileInfo: Sendable, Hashable {
    public var basename: String
    public var bytes: Int
    /// Algorithm → hex digest, for the configured `hashes`.
    public var hashes: [String: String]

    var json: JSONValue {
        .object(["basename": .string(basename), "bytes": .int(Int64(bytes)), "hashes": .object(hashes.mapValues { .string($0) })])
    }

    init(basename: String, data: Data, algorithms: [String]) {
        self.basename = basename
        self.bytes = data.count
        self.hashes = Dictionary(uniqueKeysWithValues: algorithms.compactMap { algo in MDSHash.hex(algo, data).map { (algo, $0) } })
    }

    init?(json: JSONValue?) {
        guard let json, let basename = json["basename"]?.stringValue, let bytes = json["bytes"]?.intValue else { return nil }
        self.basename = basename
        self.bytes = bytes
        self.hashes = (json["hashes"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }
}

/// One shard's entry in `index.json`: the writer's config plus `samples`, `raw_data`, `zip_data`.
public struct MDSShardInfo: Sendable, Hashable {
    public var samples: Int
    public var rawData: MDSFileInfo
    public var zipData: MDSFileInfo?
    public var config: MDSConfig

    /// The file that is on disk: the compressed one when there is one.
    public var file: MDSFileInfo { zipData ?? rawData }

    var json: JSONValue {
        guard case .object(var object) = config.json else { return .null }
        object["samples"] = .int(Int64(samples))
        object["raw_data"] = rawData.json
        object["zip_data"] = zipData?.json ?? .null
        return .object(object)
    }

    init(samples: Int, rawData: MDSFileInfo, zipData: MDSFileInfo?, config: MDSConfig) {
        self.samples = samples
        self.rawData = rawData
        self.zipData = zipData
        self.config = config
    }

    init?(json: JSONValue) {
        guard let samples = json["samples"]?.intValue, let raw = MDSFileInfo(json: json["raw_data"]), let config = MDSConfig(json: json)
        else { return nil }
        self.samples = samples
        self.rawData = raw
        self.zipData = MDSFileInfo(json: json["zip_data"])
        self.config = config
    }
}

/// What `MDSWriter.get_config()` returns; written into every shard and every index entry.
public struct MDSConfig: Sendable, Hashable {
    public var schema: MDSSchema
    public var compression: MDSCompression?
    public var hashes: [String]
    public var sizeLimit: Int?

    var json: JSONValue {
        .object([
            "version": 2, "format": "mds",
            "compression": compression.map { .string($0.name) } ?? .null,
            "hashes": .array(hashes.map { .string($0) }),
            "size_limit": sizeLimit.map { .int(Int64($0)) } ?? .null,
            "column_names": .array(schema.names.map { .string($0) }),
            "column_encodings": .array(schema.encodings.map { .string($0.rawValue) }),
            "column_sizes": .array(schema.encodings.map { $0.fixedSize.map { .int(Int64($0)) } ?? .null }),
        ])
    }

    init(schema: MDSSchema, compression: MDSCompression?, hashes: [String], sizeLimit: Int?) {
        self.schema = schema
        self.compression = compression
        self.hashes = hashes
        self.sizeLimit = sizeLimit
    }

    init?(json: JSONValue) {
        guard json["format"]?.stringValue == "mds", json["version"]?.intValue == 2,
            let names = json["column_names"]?.arrayValue?.compactMap(\.stringValue),
            let encodings = json["column_encodings"]?.arrayValue?.compactMap({ $0.stringValue.flatMap(MDSEncoding.init(rawValue:)) }),
            names.count == encodings.count
        else { return nil }
        schema = MDSSchema(Dictionary(zip(names, encodings), uniquingKeysWith: { first, _ in first }))
        compression = json["compression"]?.stringValue.flatMap { try? MDSCompression.parse($0) }
        hashes = json["hashes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        sizeLimit = json["size_limit"]?.intValue
    }
}

/// `index.json`: `{"shards": [...], "version": 2}`.
public struct MDSIndex: Sendable, Hashable {
    public static let basename = "index.json"
    public var shards: [MDSShardInfo]

    public var samples: Int { shards.reduce(0) { $0 + $1.samples } }
    /// Bytes of the shard files on disk (compressed when compressed).
    public var bytes: Int { shards.reduce(0) { $0 + $1.file.bytes } }

    public init(shards: [MDSShardInfo] = []) { self.shards = shards }

    public var data: Data {
        Data(PythonJSON.encode(.object(["version": 2, "shards": .array(shards.map(\.json))])).utf8)
    }

    public static func load(from directory: URL) throws -> MDSIndex? {
        let url = directory.appendingPathComponent(basename)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let json = try JSONText.decode(bytes: Array(try Data(contentsOf: url)))
        guard json["version"]?.intValue == 2, let entries = json["shards"]?.arrayValue else {
            throw HangarError.invalid(field: "index.json", message: "\(url.path) is not an MDS version 2 index")
        }
        var shards: [MDSShardInfo] = []
        for entry in entries {
            guard let shard = MDSShardInfo(json: entry) else {
                throw HangarError.invalid(field: "index.json", message: "\(url.path) has a shard entry that is not MDS")
            }
            shards.append(shard)
        }
        return MDSIndex(shards: shards)
    }
}

/// The `hashes` algorithms we can compute (hashlib names, hex digests as `streaming` records).
public enum MDSHash {
    public static let supported: Set<String> = ["md5", "sha1", "sha256", "sha384", "sha512"]

    static func hex(_ algorithm: String, _ data: Data) -> String? {
        switch algorithm {
        case "md5": hex(Insecure.MD5.hash(data: data))
        case "sha1": hex(Insecure.SHA1.hash(data: data))
        case "sha256": hex(SHA256.hash(data: data))
        case "sha384": hex(SHA384.hash(data: data))
        case "sha512": hex(SHA512.hash(data: data))
        default: nil
        }
    }

    private static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
