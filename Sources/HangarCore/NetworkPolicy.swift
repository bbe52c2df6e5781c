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
            var host = url.host?.lowercased(), !host.isEmpty
        else { return .refused(reason: "not an http(s) URL with a host", internalAddress: false) }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        // Internal targets are named as such before the allow list is consulted, so an SSRF
        // attempt is reported as one.
        if !allowPrivateNetworks, (Self.isIPAddress(host) && Self.isInternal(host)) || host == "localhost" || host.hasSuffix(".localhost") {
            return .refused(reason: "host '\(host)' is an internal address", internalAddress: true)
        }
        if !allowedDomains.isEmpty, !allowedDomains.contains(where: { host == $0 || host.hasSuffix("." + $0) }) {
            return .refused(reason: "host '\(host)' is not in the allowed domains", internalAddress: false)
        }
        let addresses = Self.isIPAddress(host) ? [host] : resolve(host)
        guard !addresses.isEmpty else { return .refused(reason: "host '\(host)' does not resolve", internalAddress: false) }
        if !allowPrivateNetworks, let inside = addresses.first(where: Self.isInternal) {
            return .refused(reason: "host '\(host)' resolves to the internal address \(inside)", internalAddress: true)
        }
        return .allowed(addresses: addresses)
    }

    static func isIPAddress(_ host: String) -> Bool { parseV4(host) != nil || parseV6(host) != nil }

    /// Loopback, private, carrier-grade NAT, link-local (cloud metadata), multicast, reserved,
    /// unspecified; IPv4-mapped IPv6 addresses are judged as their IPv4 address.
    public static func isInternal(_ address: String) -> Bool {
        if let v4 = parseV4(address) { return isInternalV4(v4) }
        guard let v6 = parseV6(address) else { return true }  // unknown form: refuse
        if v6[0..<10].allSatisfy({ $0 == 0 }) && v6[10] == 0xFF && v6[11] == 0xFF {
            return isInternalV4(UInt32(v6[12]) << 24 | UInt32(v6[13]) << 16 | UInt32(v6[14]) << 8 | UInt32(v6[15]))
        }
        if v6[0..<15].allSatisfy({ $0 == 0 }) && (v6[15] == 0 || v6[15] == 1) { return true }  // :: and ::1
        if v6[0] & 0xFE == 0xFC { return true }  // fc00::/7 unique local
        if v6[0] == 0xFE && v6[1] & 0xC0 == 0x80 { return true }  // fe80::/10 link-local
        if v6[0] == 0xFF { return true }  // multicast
        if v6[0] == 0x00 && v6[1] == 0x64 && v6[2] == 0xFF && v6[3] == 0x9B { return true }  // 64:ff9b::/96 NAT64
        return false
    }

    static func isInternalV4(_ a: UInt32) -> Bool {
        let blocks: [(UInt32, Int)] = [
            (0x0000_0000, 8), (0x0A00_0000, 8), (0x6440_0000, 10), (0x7F00_0000, 8), (0xA9FE_0000, 16), (0xAC10_0000, 12),
            (0xC000_0000, 24), (0xC0A8_0000, 16), (0xC612_0000, 15), (0xE000_0000, 4), (0xF000_0000, 4),
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
        var host = text.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        // "localhost." is "localhost": the root label would otherwise slip past the name checks.
        if host.hasSuffix("."), !host.hasSuffix("..") { host.removeLast() }
        guard Self.isPlausibleHost(host) else {
            return .refused(reason: "'\(text)' is not a valid host name", internalAddress: false)
        }
        if !allowPrivateNetworks, (Self.isIPAddress(host) && Self.isInternal(host)) || host == "localhost" || host.hasSuffix(".localhost") {
            return .refused(reason: "host '\(host)' is an internal address", internalAddress: true)
        }
        if !allowedDomains.isEmpty, !allowedDomains.contains(where: { host == $0 || host.hasSuffix("." + $0) }) {
            return .refused(reason: "host '\(host)' is not in the allowed domains", internalAddress: false)
        }
        let addresses = Self.isIPAddress(host) ? [host] : resolve(host)
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
