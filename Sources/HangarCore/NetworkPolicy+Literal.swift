import Foundation

extension NetworkPolicy {
    /// The part of `check(url:)` that needs no DNS, for validating a request before it is
    /// accepted: refuses a URL whose host is an internal address literal, a non-canonical IPv4
    /// spelling (`127.1`, `2130706433`, `0x7f.0.0.1`), a `localhost` name, or a host outside
    /// `allowedDomains`. A host name passes here; the connection itself is checked again, with
    /// the addresses it resolves to.
    public func checkLiteral(url text: String, schemes: Set<String> = ["http", "https"]) -> Verdict {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), schemes.contains(scheme),
            let host = url.host, !host.isEmpty
        else { return .refused(reason: "not an absolute \(schemes.sorted().joined(separator: "/")) URL with a host", internalAddress: false) }
        return judge(host: host, resolve: nil)
    }

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
