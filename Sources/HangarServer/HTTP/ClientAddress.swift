import Foundation
import HTTPTypes

/// Who the client is, behind any trusted proxies.
///
/// Each proxy appends the address it received the request from, so the list in
/// `X-Forwarded-For` (or `Forwarded: for=`, RFC 7239) reads client, proxy 1, proxy 2, …, and the
/// socket peer is the last proxy. Only entries that a trusted proxy appended can be believed:
/// walking from the right, the first address that is not a trusted proxy is the client.
/// Anything to its left was written by that client and may be invented. When the socket peer
/// is not trusted, the headers are ignored altogether.
enum ClientAddress {
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let forwarded = HTTPField.Name("Forwarded")!

    static func resolve(peer: String?, headers: HTTPFields, trusted: TrustedProxies) -> String? {
        guard let peer, trusted.contains(peer) else { return peer }
        // `Forwarded` is the standard; a proxy that sends it is believed over the older header.
        var chain = forwardedChain(headers[values: forwarded])
        if chain.isEmpty { chain = forwardedForChain(headers[values: forwardedFor]) }
        var client = peer
        for entry in chain.reversed() {
            // A malformed or obfuscated entry (`unknown`, `_hidden`) names nobody: stop at the
            // last address a trusted hop vouched for.
            guard let address = entry, TrustedProxies.bytes(address) != nil else { break }
            client = address
            if !trusted.contains(address) { break }
        }
        return client
    }

    /// Every `X-Forwarded-For` line in order, split at commas; `nil` where an entry is not an
    /// address (ports and IPv6 brackets, which some proxies add, are removed first).
    static func forwardedForChain(_ lines: [String]) -> [String?] {
        lines.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }.map { entry in
            address(entry.trimmingCharacters(in: .whitespaces))
        }
    }

    /// The `for=` of each element of every `Forwarded` line, in order (RFC 7239 section 4).
    static func forwardedChain(_ lines: [String]) -> [String?] {
        lines.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }.map { element in
            let pairs = element.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let pair = pairs.first(where: { $0.lowercased().hasPrefix("for=") }) else { return nil }
            var value = String(pair.dropFirst(4))
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            return address(value)
        }
    }

    /// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]` or `[2001:db8::1]:5678` → the
    /// address; nil for anything else.
    static func address(_ text: String) -> String? {
        var candidate = text
        if candidate.hasPrefix("[") {
            guard let close = candidate.firstIndex(of: "]") else { return nil }
            candidate = String(candidate[candidate.index(after: candidate.startIndex)..<close])
        } else if candidate.filter({ $0 == ":" }).count == 1, let colon = candidate.firstIndex(of: ":") {
            candidate = String(candidate[..<colon])
        }
        return TrustedProxies.bytes(candidate) != nil ? candidate : nil
    }
}
