import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where an agent's outbound requests may go (seed 004 "Network Security"): a domain allow
/// list, and no private, loopback, link-local or otherwise internal addresses unless allowed,
/// so a tool or webhook cannot be aimed at the control plane's own network (SSRF). Host names
/// are resolved and every address is checked, so a public name pointing inside is refused too.
public struct NetworkPolicy: Sendable, Hashable {
    /// Hosts (and their subdomains) that may be reached; empty = any public host.
    public var allowedDomains: [String]
    public var allowPrivateNetworks: Bool

    public static let seedDomains = ["api.openai.com", "api.anthropic.com", "api.groq.com", "huggingface.co", "cdn.jsdelivr.net"]

    public init(allowedDomains: [String] = NetworkPolicy.seedDomains, allowPrivateNetworks: Bool = false) {
        self.allowedDomains = allowedDomains.map { $0.lowercased() }
        self.allowPrivateNetworks = allowPrivateNetworks
    }

    public enum Verdict: Sendable, Equatable {
        case allowed(addresses: [String])
        /// `internalAddress` marks an SSRF attempt: the target is inside the network.
        case refused(reason: String, internalAddress: Bool)
    }

    public func check(url text: String, resolve: (String) -> [String] = NetworkPolicy.resolve) -> Verdict {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host?.lowercased(), !host.isEmpty
        else { return .refused(reason: "not an http(s) URL with a host", internalAddress: false) }
        return check(host: host, resolve: resolve)
    }

    static func isIPAddress(_ host: String) -> Bool { parseV4(host) != nil || parseV6(host) != nil }

    /// `localhost` and its subdomains (RFC 6761), with or without the root's trailing dot.
    static func isLocalName(_ host: String) -> Bool {
        let name = host.hasSuffix(".") ? String(host.dropLast()) : host
        return name == "localhost" || name.hasSuffix(".localhost")
    }

    /// A host whose last label is a number (decimal, `0` octal or `0x` hex) is an IPv4 address
    /// to the URL standard and to inet_aton, never a name. Returns `.some(nil)` for such a host
    /// that no parser makes an address of, `.some(value)` with inet_aton's reading, `nil` for a name.
    static func numericHost(_ host: String) -> UInt32?? {
        var labels = host.split(separator: ".", omittingEmptySubsequences: false)
        if labels.count > 1, labels.last == "" { labels.removeLast() }
        guard let last = labels.last, !last.isEmpty else { return nil }
        let isNumber = last.allSatisfy { $0.isASCII && $0.isNumber } || (last.lowercased().hasPrefix("0x") && legacyPart(last) != nil)
        guard isNumber else { return nil }
        let parts = labels.map(legacyPart)
        guard parts.count <= 4, !parts.contains(nil) else { return .some(nil) }
        let values = parts.compactMap { $0 }
        // The last part fills every byte left over: `127.1` is 127.0.0.1.
        let leading = values.dropLast()
        guard leading.allSatisfy({ $0 <= 0xFF }), values.last! < (UInt64(1) << (8 * (5 - values.count))) else { return .some(nil) }
        var address = UInt64(0)
        for (index, value) in leading.enumerated() { address |= value << (8 * (3 - index)) }
        return .some(UInt32(address | values.last!))
    }

    /// One part of inet_aton's syntax: `0x1f` hex, `017` octal, `17` decimal.
    private static func legacyPart(_ text: Substring) -> UInt64? {
        guard !text.isEmpty, text.count <= 32 else { return nil }
        if text.lowercased().hasPrefix("0x") { return text.count == 2 ? 0 : UInt64(text.dropFirst(2), radix: 16) }
        if text.count > 1, text.hasPrefix("0") { return UInt64(text.dropFirst(), radix: 8) }
        return UInt64(text, radix: 10)
    }

    /// Whatever the IANA special-purpose registries (IPv4 and IPv6) do not mark globally
    /// reachable: loopback, private, carrier-grade NAT, link-local (cloud metadata), multicast,
    /// documentation, benchmarking, reserved, unspecified. IPv6 forms that carry an IPv4 address
    /// (mapped, compatible, 6to4, NAT64) are judged by that address. Unknown text is internal.
    public static func isInternal(_ address: String) -> Bool {
        if let v4 = parseV4(address) { return isInternalV4(v4) }
        guard let v6 = parseV6(address) else { return true }  // unknown form: refuse
        func v4(at offset: Int) -> UInt32 { v6[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) } }
        func prefix(_ bytes: [UInt8], bits: Int) -> Bool {
            (0..<bits).allSatisfy { bit in (v6[bit / 8] ^ bytes[bit / 8]) & (0x80 >> UInt8(bit % 8)) == 0 }
        }
        // ::/96 IPv4-compatible (deprecated; includes :: and ::1, which embed 0.0.0.0 and 0.0.0.1)
        // and ::ffff:0:0/96 IPv4-mapped: both are the IPv4 address to a dual-stack socket.
        if v6[0..<10].allSatisfy({ $0 == 0 }) && v6[10] == v6[11] && (v6[10] == 0 || v6[10] == 0xFF) {
            return isInternalV4(v4(at: 12))
        }
        // 64:ff9b::/96, NAT64's well-known prefix, is global, but only as far as the IPv4 address
        // it translates to; an IPv6-only deployment reaches every IPv4 host this way.
        if prefix([0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0], bits: 96) { return isInternalV4(v4(at: 12)) }
        // 64:ff9b:1::/48 (RFC 8215) is for local use, with the IPv4 address placed as the site
        // chooses: it cannot be read back reliably, so it is refused.
        if prefix([0x00, 0x64, 0xFF, 0x9B, 0x00, 0x01], bits: 48) { return true }
        // Only 2000::/3 is global unicast; the rest is unique local (fc00::/7), link-local
        // (fe80::/10), site-local (fec0::/10), multicast (ff00::/8), discard (100::/64),
        // SRv6 SIDs (5f00::/16) or unassigned.
        if !prefix([0x20], bits: 3) { return true }
        // 2001::/23, IETF protocol assignments: Teredo (2001::/32), benchmarking (2001:2::/48),
        // ORCHID and a few anycast services. The registry marks some of these global, but none
        // is an HTTP API. Teredo is refused outright rather than judged by its server and
        // client addresses: it is a host-to-host tunnel with no public relays left to speak of.
        if prefix([0x20, 0x01, 0x00], bits: 23) { return true }
        if prefix([0x20, 0x01, 0x0D, 0xB8], bits: 32) { return true }  // 2001:db8::/32 documentation
        if prefix([0x3F, 0xFF, 0x00], bits: 20) { return true }  // 3fff::/20 documentation
        // 2002::/16 6to4 (deprecated): the tunnel's far end is the IPv4 address in bits 16–48.
        if prefix([0x20, 0x02], bits: 16) { return isInternalV4(v4(at: 2)) }
        return false
    }

    /// The IPv4 special-purpose blocks not globally reachable (192.0.0.0/24 whole, although
    /// two anycast addresses in it are global).
    static func isInternalV4(_ a: UInt32) -> Bool {
        let blocks: [(UInt32, Int)] = [
            (0x0000_0000, 8),  // "this network"
            (0x0A00_0000, 8),  // private
            (0x6440_0000, 10),  // carrier-grade NAT
            (0x7F00_0000, 8),  // loopback
            (0xA9FE_0000, 16),  // link-local, cloud metadata
            (0xAC10_0000, 12),  // private
            (0xC000_0000, 24),  // IETF protocol assignments
            (0xC000_0200, 24),  // TEST-NET-1
            (0xC058_6300, 24),  // 6to4 relay anycast (deprecated)
            (0xC0A8_0000, 16),  // private
            (0xC612_0000, 15),  // benchmarking
            (0xC633_6400, 24),  // TEST-NET-2
            (0xCB00_7100, 24),  // TEST-NET-3
            (0xE000_0000, 4),  // multicast
            (0xF000_0000, 4),  // reserved, and 255.255.255.255 broadcast
        ]
        return blocks.contains { network, bits in a >> (32 - bits) == network >> (32 - bits) }
    }

    static func parseV4(_ text: String) -> UInt32? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return UInt32(bigEndian: address.s_addr)
    }

    static func parseV6(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    /// Every address `host` resolves to (IPv4 and IPv6), as text.
    public static func resolve(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            if info.pointee.ai_family == AF_INET {
                info.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { var a = $0.pointee.sin_addr; inet_ntop(AF_INET, &a, &buffer, socklen_t(buffer.count)) }
            } else if info.pointee.ai_family == AF_INET6 {
                info.pointee.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { var a = $0.pointee.sin6_addr; inet_ntop(AF_INET6, &a, &buffer, socklen_t(buffer.count)) }
            }
            let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !text.isEmpty, !addresses.contains(text) { addresses.append(text) }
            cursor = info.pointee.ai_next
        }
        return addresses
    }
}

// MARK: - Host-level checks
//
// Kept apart from the address classification above (which is edited on its own): this part
// only composes it, for callers that see a bare host and port rather than a URL — the
// browser's SOCKS5 egress proxy, which receives host names from Chromium (remote DNS).

extension NetworkPolicy {
    /// What a browser may reach: any public host (browsing anywhere is the point), private and
    /// internal addresses only when `allowPrivateNetworks` (`HANGAR_ALLOW_PRIVATE_NETWORKS`).
    public static func browsing(allowPrivateNetworks: Bool) -> NetworkPolicy {
        NetworkPolicy(allowedDomains: [], allowPrivateNetworks: allowPrivateNetworks)
    }

    /// `check(url:)` for a bare host: a name, or an IPv4 or IPv6 literal (brackets optional).
    /// Resolves a name once and judges every address; the caller must connect only to the
    /// addresses returned in `.allowed`, never resolve again (DNS rebinding).
    public func check(host text: String, resolve: (String) -> [String] = NetworkPolicy.resolve) -> Verdict {
        withoutActuallyEscaping(resolve) { judge(host: text, resolve: $0) }
    }

    /// `check(host:)`, or with `resolve` nil its part that needs no DNS: a name passes (with no
    /// addresses), to be judged again when it is connected to.
    func judge(host text: String, resolve: ((String) -> [String])?) -> Verdict {
        var host = text.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        // "localhost." is "localhost": the root label would otherwise slip past the name checks.
        if host.hasSuffix("."), !host.hasSuffix("..") { host.removeLast() }
        guard Self.isPlausibleHost(host) else {
            return .refused(reason: "'\(text)' is not a valid host name", internalAddress: false)
        }
        // `127.1`, `2130706433`, `0x7f.1`, `0177.0.0.1`: getaddrinfo (inet_aton) reads these as
        // IPv4 addresses, other parsers may read them differently or as names. Only the canonical
        // dotted quad is accepted, so the address checked here is the address connected to.
        if Self.isIPAddress(host) == false, let legacy = Self.numericHost(host) {
            let inside = legacy.map(Self.isInternalV4) ?? false
            return .refused(reason: "host '\(host)' is a non-canonical IPv4 address", internalAddress: inside && !allowPrivateNetworks)
        }
        // Internal targets are named as such before the allow list is consulted, so an SSRF
        // attempt is reported as one.
        if !allowPrivateNetworks, (Self.isIPAddress(host) && Self.isInternal(host)) || Self.isLocalName(host) {
            return .refused(reason: "host '\(host)' is an internal address", internalAddress: true)
        }
        if !allowedDomains.isEmpty, !allowedDomains.contains(where: { host == $0 || host.hasSuffix("." + $0) }) {
            return .refused(reason: "host '\(host)' is not in the allowed domains", internalAddress: false)
        }
        if Self.isIPAddress(host) { return .allowed(addresses: [host]) }
        guard let resolve else { return .allowed(addresses: []) }
        let addresses = resolve(host)
        guard !addresses.isEmpty else { return .refused(reason: "host '\(host)' does not resolve", internalAddress: false) }
        if !allowPrivateNetworks, let inside = addresses.first(where: Self.isInternal) {
            return .refused(reason: "host '\(host)' resolves to the internal address \(inside)", internalAddress: true)
        }
        return .allowed(addresses: addresses)
    }

    /// Letters, digits, `-`, `_`, `.` (names) and `:` (IPv6), 1…253 characters: anything
    /// else (spaces, `@`, `%` zone ids, NUL) never reaches the resolver.
    static func isPlausibleHost(_ host: String) -> Bool {
        guard (1...253).contains(host.utf8.count) else { return false }
        return host.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x3A
        }
    }
}
