import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension NetworkPolicy {
    /// The part of `check(url:)` that needs no DNS, for validating a request before it is
    /// accepted: refuses a URL whose host is an internal address literal — in any spelling a
    /// browser or resolver accepts (`127.1`, `2130706433`, `0x7f.0.0.1`) — or a `localhost`
    /// name, and a host outside `allowedDomains`. A host name passes here; the connection
    /// itself is checked again, with the addresses it resolves to.
    public func checkLiteral(url text: String, schemes: Set<String> = ["http", "https"]) -> Verdict {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), schemes.contains(scheme),
            var host = url.host?.lowercased(), !host.isEmpty
        else { return .refused(reason: "not an absolute \(schemes.sorted().joined(separator: "/")) URL with a host", internalAddress: false) }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        while host.hasSuffix(".") { host.removeLast() }  // `localhost.` is localhost
        let literal = Self.addressLiteral(host)
        if !allowPrivateNetworks, literal.map(Self.isInternal) ?? false || host == "localhost" || host.hasSuffix(".localhost") {
            return .refused(reason: "host '\(host)' is an internal address", internalAddress: true)
        }
        if !allowedDomains.isEmpty, literal == nil, !allowedDomains.contains(where: { host == $0 || host.hasSuffix("." + $0) }) {
            return .refused(reason: "host '\(host)' is not in the allowed domains", internalAddress: false)
        }
        return .allowed(addresses: literal.map { [$0] } ?? [])
    }

    /// `host` as a canonical address if it is an IP literal. `inet_aton` accepts the legacy
    /// IPv4 forms (one to four parts, octal, hex) that URL parsers in browsers also accept.
    static func addressLiteral(_ host: String) -> String? {
        if parseV6(host) != nil { return host }
        var address = in_addr()
        guard inet_aton(host, &address) != 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        guard inet_ntop(AF_INET, &address, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension NetworkPolicy {
    /// 16 bytes for a strict IPv4 (as IPv4-mapped IPv6) or IPv6 literal, an IPv6 zone id
    /// (`%eth0`) dropped; nil for anything else. For comparing addresses with CIDR blocks.
    public static func addressBytes(_ text: String) -> [UInt8]? {
        if let v4 = parseV4(text) {
            return Array(repeating: 0, count: 10) + [0xFF, 0xFF, UInt8(v4 >> 24), UInt8(v4 >> 16 & 0xFF), UInt8(v4 >> 8 & 0xFF), UInt8(v4 & 0xFF)]
        }
        let unzoned = text.split(separator: "%", maxSplits: 1).first.map(String.init) ?? text
        return parseV6(unzoned)
    }
}
