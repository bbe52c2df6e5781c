import HangarCore
import Testing

/// One address and whether `NetworkPolicy.isInternal` must call it internal; `range` names the
/// registry entry it sits in or next to, so a failure says which edge moved.
struct AddressCase: Sendable, CustomTestStringConvertible {
    let address: String
    let isInternal: Bool
    let range: String

    var testDescription: String { "\(address) (\(isInternal ? "inside" : "outside") \(range))" }
}

private func inside(_ address: String, _ range: String) -> AddressCase { AddressCase(address: address, isInternal: true, range: range) }
private func outside(_ address: String, _ range: String) -> AddressCase { AddressCase(address: address, isInternal: false, range: range) }

/// The IANA IPv4 Special-Purpose Address Registry blocks that are not globally reachable: the
/// first and last address inside each, and the nearest public address outside.
let ipv4Cases: [AddressCase] = [
    inside("0.0.0.0", "0.0.0.0/8"), inside("0.255.255.255", "0.0.0.0/8"), outside("1.0.0.0", "0.0.0.0/8"),
    outside("9.255.255.255", "10.0.0.0/8"), inside("10.0.0.0", "10.0.0.0/8"), inside("10.255.255.255", "10.0.0.0/8"),
    outside("11.0.0.0", "10.0.0.0/8"),
    outside("100.63.255.255", "100.64.0.0/10"), inside("100.64.0.0", "100.64.0.0/10"), inside("100.127.255.255", "100.64.0.0/10"),
    outside("100.128.0.0", "100.64.0.0/10"),
    outside("126.255.255.255", "127.0.0.0/8"), inside("127.0.0.1", "127.0.0.0/8"), inside("127.255.255.255", "127.0.0.0/8"),
    outside("128.0.0.0", "127.0.0.0/8"),
    outside("169.253.255.255", "169.254.0.0/16"), inside("169.254.169.254", "169.254.0.0/16"), outside("169.255.0.0", "169.254.0.0/16"),
    outside("172.15.255.255", "172.16.0.0/12"), inside("172.16.0.0", "172.16.0.0/12"), inside("172.31.255.255", "172.16.0.0/12"),
    outside("172.32.0.0", "172.16.0.0/12"),
    outside("191.255.255.255", "192.0.0.0/24"), inside("192.0.0.0", "192.0.0.0/24"), inside("192.0.0.255", "192.0.0.0/24"),
    outside("192.0.1.0", "192.0.0.0/24"),
    outside("192.0.1.255", "192.0.2.0/24"), inside("192.0.2.1", "192.0.2.0/24"), outside("192.0.3.0", "192.0.2.0/24"),
    outside("192.88.98.255", "192.88.99.0/24"), inside("192.88.99.1", "192.88.99.0/24"), outside("192.88.100.0", "192.88.99.0/24"),
    outside("192.167.255.255", "192.168.0.0/16"), inside("192.168.0.1", "192.168.0.0/16"), outside("192.169.0.0", "192.168.0.0/16"),
    outside("198.17.255.255", "198.18.0.0/15"), inside("198.18.0.0", "198.18.0.0/15"), inside("198.19.255.255", "198.18.0.0/15"),
    outside("198.20.0.0", "198.18.0.0/15"),
    outside("198.51.99.255", "198.51.100.0/24"), inside("198.51.100.7", "198.51.100.0/24"), outside("198.51.101.0", "198.51.100.0/24"),
    outside("203.0.112.255", "203.0.113.0/24"), inside("203.0.113.9", "203.0.113.0/24"), outside("203.0.114.0", "203.0.113.0/24"),
    outside("223.255.255.255", "224.0.0.0/4"), inside("224.0.0.1", "224.0.0.0/4"), inside("239.255.255.255", "224.0.0.0/4"),
    inside("240.0.0.0", "240.0.0.0/4"), inside("255.255.255.254", "240.0.0.0/4"), inside("255.255.255.255", "255.255.255.255/32"),
    outside("8.8.8.8", "public"), outside("93.184.215.14", "public"),
]

/// The IPv6 registry, and the IPv6 forms that carry an IPv4 address, judged by that address.
let ipv6Cases: [AddressCase] = [
    inside("::", "::/128"), inside("::1", "::1/128"), outside("2000::", "2000::/3 global unicast"),
    // IPv4-compatible (deprecated) and IPv4-mapped: the embedded IPv4 address decides.
    inside("::127.0.0.1", "::/96 IPv4-compatible"), inside("::10.0.0.1", "::/96 IPv4-compatible"),
    inside("::169.254.169.254", "::/96 IPv4-compatible"), outside("::8.8.8.8", "::/96 IPv4-compatible"),
    inside("::ffff:127.0.0.1", "::ffff:0:0/96"), inside("::ffff:7f00:1", "::ffff:0:0/96"), inside("::ffff:0.0.0.0", "::ffff:0:0/96"),
    inside("::ffff:192.168.1.1", "::ffff:0:0/96"), outside("::ffff:8.8.8.8", "::ffff:0:0/96"),
    inside("::fffe:808:808", "outside ::/96 and ::ffff:0:0/96, outside 2000::/3"),
    // NAT64: the well-known prefix judged by its IPv4 address; the local-use prefix refused.
    inside("64:ff9b::7f00:1", "64:ff9b::/96"), inside("64:ff9b::a00:1", "64:ff9b::/96"), outside("64:ff9b::808:808", "64:ff9b::/96"),
    outside("64:ff9b::8.8.4.4", "64:ff9b::/96"), inside("64:ff9b:0:0:0:1:808:808", "beyond 64:ff9b::/96, outside 2000::/3"),
    inside("64:ff9b:1::808:808", "64:ff9b:1::/48"), inside("64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "64:ff9b:1::/48"),
    inside("100::", "100::/64 discard"), inside("100::ffff:ffff:ffff:ffff", "100::/64 discard"),
    // Teredo and the rest of the IETF protocol assignments.
    inside("2001::1", "2001::/32 Teredo"), inside("2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::/32 Teredo"),
    inside("2001:2::1", "2001:2::/48 benchmarking"), inside("2001:1ff:ffff:ffff::1", "2001::/23"),
    outside("2001:200::1", "2001::/23"), outside("2001:4860:4860::8888", "2001::/23"),
    outside("2001:db7:ffff:ffff::1", "2001:db8::/32"), inside("2001:db8::1", "2001:db8::/32"),
    inside("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::/32"), outside("2001:db9::1", "2001:db8::/32"),
    // 6to4: the IPv4 address in bits 16–48.
    inside("2002:7f00:1::1", "2002::/16 6to4"), inside("2002:c0a8:101::1", "2002::/16 6to4"), inside("2002:a9fe:a9fe::", "2002::/16 6to4"),
    outside("2002:808:808::1", "2002::/16 6to4"), outside("2003::1", "2002::/16 6to4"),
    outside("3ffe:ffff::1", "3fff::/20"), inside("3fff::1", "3fff::/20"), inside("3fff:fff:ffff::1", "3fff::/20"),
    outside("3fff:1000::1", "3fff::/20"),
    outside("2606:4700::1111", "public"), inside("4000::1", "outside 2000::/3"),
    inside("5f00::1", "5f00::/16 SRv6"), inside("5f00:ffff::1", "5f00::/16 SRv6"),
    inside("fbff:ffff::1", "below fc00::/7, outside 2000::/3"), inside("fc00::1", "fc00::/7"), inside("fdff:ffff::1", "fc00::/7"),
    inside("fe80::1", "fe80::/10"), inside("febf:ffff::1", "fe80::/10"),
    inside("fec0::1", "fec0::/10 site-local"), inside("feff:ffff::1", "fec0::/10 site-local"),
    inside("ff00::", "ff00::/8"), inside("ff02::1", "ff00::/8"),
]

@Suite("Address classification (IANA special-purpose registries)")
struct AddressClassificationTests {
    @Test("IPv4 blocks: inside refused, the neighbours outside allowed", arguments: ipv4Cases)
    func ipv4(_ entry: AddressCase) {
        #expect(NetworkPolicy.isInternal(entry.address) == entry.isInternal)
    }

    @Test("IPv6 blocks and embedded IPv4 forms: inside refused, the neighbours outside allowed", arguments: ipv6Cases)
    func ipv6(_ entry: AddressCase) {
        #expect(NetworkPolicy.isInternal(entry.address) == entry.isInternal)
    }

    /// A resolver that must not be asked: an address in the URL is judged as written.
    static func noDNS(_ host: String) -> [String] {
        Issue.record("resolved \(host)")
        return []
    }

    @Test(
        "URLs whose host is an internal address in any spelling are refused as SSRF",
        arguments: [
            "http://[::127.0.0.1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://[64:ff9b::a9fe:a9fe]/",
            "http://[2002:a9fe:a9fe::1]/", "http://[2001::1]/", "http://[fec0::1]/", "http://192.0.2.1/", "http://198.51.100.1/",
            "http://203.0.113.1/", "http://192.88.99.1/",
            // inet_aton spellings: getaddrinfo turns each into 127.0.0.1 or 169.254.169.254.
            "http://2130706433/", "http://0x7f.1/", "http://127.1/", "http://0177.0.0.1/", "http://0x7f000001/", "http://017700000001/",
            "http://127.0.0.1./", "http://0xa9.0xfe.0xa9.0xfe/", "http://169.254.43518/", "http://localhost./",
        ])
    func internalURLs(_ url: String) {
        for policy in [NetworkPolicy(allowedDomains: []), NetworkPolicy()] {
            guard case .refused(let reason, let isInternal) = policy.check(url: url, resolve: Self.noDNS) else {
                Issue.record("\(url) was allowed")
                continue
            }
            #expect(isInternal, "\(url): \(reason)")
        }
    }

    @Test(
        "Non-canonical numeric hosts are refused even when they name a public address",
        arguments: [
            "http://134744072/", "http://8.8.2056/", "http://0x8.0x8.0x8.0x8/", "http://010.010.010.010/", "http://08.0.0.1/", "http://1.2.3.4.5/",
        ])
    func ambiguousNumbers(_ url: String) {
        let policy = NetworkPolicy(allowedDomains: [], allowPrivateNetworks: true)
        guard case .refused(let reason, false) = policy.check(url: url, resolve: Self.noDNS) else {
            Issue.record("\(url) must be refused, not as an internal address")
            return
        }
        #expect(reason.contains("non-canonical"))
    }

    @Test("Names that only look numeric are still names; public addresses pass")
    func names() {
        let policy = NetworkPolicy(allowedDomains: [])
        let resolver: (String) -> [String] = { _ in ["93.184.215.14"] }
        let urls = [
            "http://1.2.3.4.nip.example/", "http://0x7f.example/", "http://8.8.8.8/", "http://[2606:4700::1111]/", "http://[64:ff9b::808:808]/",
        ]
        for url in urls {
            guard case .allowed = policy.check(url: url, resolve: resolver) else {
                Issue.record("\(url) was refused")
                continue
            }
        }
    }

    @Test("getaddrinfo reads inet_aton spellings as numbers, and what it returns is checked")
    func systemResolver() {
        // The reason the URL check refuses these spellings itself: the system resolver would
        // connect to 127.0.0.1 for each.
        for host in ["2130706433", "0x7f.1", "127.1", "0177.0.0.1"] {
            #expect(NetworkPolicy.resolve(host) == ["127.0.0.1"], "\(host)")
        }
        // A name that resolves inside is refused by the resolved address.
        let policy = NetworkPolicy(allowedDomains: [])
        guard case .refused(let reason, true) = policy.check(url: "http://localhost.hangar-test/", resolve: { _ in ["::ffff:10.0.0.1"] }) else {
            Issue.record("a name resolving to an internal address must be refused")
            return
        }
        #expect(reason.contains("resolves to the internal address"))
    }
}
