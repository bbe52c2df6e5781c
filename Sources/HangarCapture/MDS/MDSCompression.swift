import CZstd
public import Foundation
import HangarCore

/// Shard compression as MosaicML names it: `zstd` (level 3, its default) or `zstd:N`
/// (1…22). Other algorithms of `streaming` (br, gz, bz2, snappy) are not produced here.
public struct MDSCompression: Sendable, Hashable, CustomStringConvertible {
    public var level: Int32
    /// The exact string `index.json` records (`zstd:6`), as the reader matches it.
    public var name: String
    /// File extension added to the shard's basename.
    public var fileExtension: String { "zstd" }

    public var description: String { name }

    /// `zstd:N`.
    public init(level: Int32) {
        self.init(level: level, name: "zstd:\(level)")
    }

    init(level: Int32, name: String) {
        self.level = level
        self.name = name
    }

    /// Parses `zstd`, `zstd:N`; `nil` for `none` / empty (uncompressed shards).
    public static func parse(_ text: String, field: String = "compression") throws -> MDSCompression? {
        let value = text.trimmingCharacters(in: .whitespaces).lowercased()
        if value.isEmpty || value == "none" { return nil }
        if value == "zstd" { return MDSCompression(level: 3, name: "zstd") }
        if value.hasPrefix("zstd:"), let level = Int32(value.dropFirst(5)), (1...22).contains(level) {
            return MDSCompression(level: level, name: "zstd:\(level)")
        }
        throw HangarError.invalid(field: field, message: "'\(text)' is not none, zstd or zstd:1…22")
    }

    public func compress(_ data: Data) throws -> Data {
        let bound = ZSTD_compressBound(data.count)
        var output = Data(count: bound)
        let written = output.withUnsafeMutableBytes { out in
            data.withUnsafeBytes { input in
                ZSTD_compress(out.baseAddress, bound, input.baseAddress, data.count, level)
            }
        }
        if ZSTD_isError(written) != 0 {
            throw HangarError.unavailable("zstd compression failed: \(String(cString: ZSTD_getErrorName(written)))")
        }
        output.count = written
        return output
    }

    /// One-shot decompression of a frame that records its content size (as `compress` writes).
    public static func decompress(_ data: Data) throws -> Data {
        let size = data.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, data.count) }
        // ZSTD_CONTENTSIZE_UNKNOWN and _ERROR are the two largest values.
        guard size < UInt64.max - 1, size < UInt64(Int.max) else {
            throw HangarError.invalid(field: "zstd", message: "not a zstd frame with a known size")
        }
        var output = Data(count: Int(size))
        let written = output.withUnsafeMutableBytes { out in
            data.withUnsafeBytes { input in ZSTD_decompress(out.baseAddress, Int(size), input.baseAddress, data.count) }
        }
        if ZSTD_isError(written) != 0 {
            throw HangarError.invalid(field: "zstd", message: String(cString: ZSTD_getErrorName(written)))
        }
        output.count = written
        return output
    }
}
