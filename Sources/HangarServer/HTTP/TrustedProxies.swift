import Foundation
import HangarCore

/// The proxies whose `X-Forwarded-For` / `Forwarded` headers are believed
/// (`HANGAR_TRUSTED_PROXIES`): IP addresses and CIDR blocks, IPv4 and IPv6. Empty by default,
/// so that no client can name its own address.
///
/// Every address is compared as 16 IPv6 bytes, IPv4 as `::ffff:a.b.c.d`: a dual-stack socket
/// reports an IPv4 peer in that mapped form, and `10.0.0.0/8` must match it either way.
public struct TrustedProxies: Sendable, Hashable {
    struct Block: Sendable, Hashable {
        var network: [UInt8]
        var bits: Int

        func contains(_ address: [UInt8]) -> Bool {
            (0..<bits).allSatisfy { bit in (address[bit / 8] ^ network[bit / 8]) & (0x80 >> UInt8(bit % 8)) == 0 }
        }
    }

    /// An entry that is neither an address nor a CIDR block.
    public struct InvalidEntry: Error, Sendable, Equatable {
        public var entry: String

        public init(entry: String) { self.entry = entry }
    }

    let blocks: [Block]

    public static let none = TrustedProxies(blocks: [])

    init(blocks: [Block]) { self.blocks = blocks }

    /// Parses `"10.0.0.0/8, 192.168.1.7, fd00::/8"`; throws on the first entry that is not an
    /// address or a block with a prefix length in range.
    public init(parsing list: String) throws(InvalidEntry) {
        var blocks: [Block] = []
        for raw in list.split(separator: ",") {
            let entry = raw.trimmingCharacters(in: .whitespaces)
            guard !entry.isEmpty else { continue }
            let parts = entry.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, let address = Self.bytes(String(parts[0])) else { throw InvalidEntry(entry: entry) }
            let isV4 = Self.isMappedV4(address) && !parts[0].contains(":")
            var bits = 128
            if parts.count == 2 {
                guard let length = Int(parts[1]), length >= 0, length <= (isV4 ? 32 : 128) else { throw InvalidEntry(entry: entry) }
                bits = isV4 ? 96 + length : length
            }
            blocks.append(Block(network: address, bits: bits))
        }
        self.blocks = blocks
    }

    public var isEmpty: Bool { blocks.isEmpty }

    /// Whether `address` (text, as a socket or a header gives it) is a trusted proxy.
    public func contains(_ address: String) -> Bool {
        guard !blocks.isEmpty, let bytes = Self.bytes(address) else { return false }
        return blocks.contains { $0.contains(bytes) }
    }

    /// 16 bytes for an IPv4 or IPv6 literal (IPv6 zone ids such as `%eth0` dropped); nil otherwise.
    static func bytes(_ text: String) -> [UInt8]? { NetworkPolicy.addressBytes(text) }

    static func isMappedV4(_ bytes: [UInt8]) -> Bool { bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF }
}
