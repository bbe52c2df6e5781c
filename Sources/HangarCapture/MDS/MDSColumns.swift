public import Foundation
public import HangarCore

/// The MDS column encodings Hangar writes. Variable-size ones carry a uint32 size prefix in
/// each sample; `int` is a fixed 8-byte little-endian int64 (numpy's `int64`).
public enum MDSEncoding: String, Sendable, Hashable, CaseIterable {
    case str, bytes, int, json

    /// `column_sizes` entry: the fixed size, or `nil` (JSON `null`) when variable.
    public var fixedSize: Int? { self == .int ? 8 : nil }
}

/// One column value of a sample.
public enum MDSValue: Sendable, Hashable {
    case str(String)
    case bytes(Data)
    case int(Int64)
    case json(JSONValue)

    var encoding: MDSEncoding {
        switch self {
        case .str: .str
        case .bytes: .bytes
        case .int: .int
        case .json: .json
        }
    }

    /// The column's bytes as `streaming.base.format.mds.encodings` encodes them.
    var encoded: Data {
        switch self {
        case .str(let text): Data(text.utf8)
        case .bytes(let data): data
        case .int(let number): withUnsafeBytes(of: number.littleEndian) { Data($0) }
        case .json(let value): Data(PythonJSON.encode(value).utf8)
        }
    }
}

/// The dataset's schema: columns sorted by name (code-point order), as MDSWriter sorts them.
public struct MDSSchema: Sendable, Hashable {
    public let names: [String]
    public let encodings: [MDSEncoding]

    public init(_ columns: [String: MDSEncoding]) {
        let sorted = columns.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        names = sorted
        encodings = sorted.map { columns[$0] ?? .bytes }
    }

    /// `[uint32 size of each variable column…][column bytes…]`.
    func encode(_ sample: [String: MDSValue]) throws -> Data {
        var sizes = Data()
        var body = Data()
        for (name, encoding) in zip(names, encodings) {
            guard let value = sample[name] else { throw HangarError.invalid(field: name, message: "sample has no value for column '\(name)'") }
            guard value.encoding == encoding else {
                throw HangarError.invalid(field: name, message: "column '\(name)' is \(encoding.rawValue), got \(value.encoding.rawValue)")
            }
            let datum = value.encoded
            if encoding.fixedSize == nil {
                guard let size = UInt32(exactly: datum.count) else {
                    throw HangarError.invalid(field: name, message: "column '\(name)' is larger than 4 GiB")
                }
                sizes.appendUInt32LE(size)
            }
            body.append(datum)
        }
        return sizes + body
    }
}

extension Data {
    mutating func appendUInt32LE(_ value: UInt32) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
