import Foundation

extension SpeechConfiguration {
    /// `host:port`, `tcp://host:port` or `[v6]:port`.
    static func hostAndPort(_ address: String, defaultPort: Int) -> (String, Int)? {
        var rest = Substring(address)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        while rest.hasSuffix("/") { rest.removeLast() }
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            let host = String(rest[rest.index(after: rest.startIndex)..<close])
            let tail = rest[rest.index(after: close)...]
            guard tail.isEmpty || tail.hasPrefix(":") else { return nil }
            let port = tail.isEmpty ? defaultPort : Int(tail.dropFirst()) ?? -1
            return host.isEmpty || !(1...65535).contains(port) ? nil : (host, port)
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard let host = parts.first, !host.isEmpty, parts.count <= 2 else { return nil }
        let port = parts.count == 2 ? Int(parts[1]) ?? -1 : defaultPort
        return (1...65535).contains(port) ? (String(host), port) : nil
    }
}
