import Crypto
import Foundation
import HangarCore

/// API keys look like `hgr_<id>_<secret>`: recognisable (secret scanners can match the
/// prefix), with a public id to find the stored record and 256 random bits of secret, of
/// which only a SHA-256 hash is stored. (A slow password hash buys nothing for keys with
/// this much entropy and would cost every request.)
public enum APIKeyToken {
    public static let prefix = "hgr_"
    /// Record id used when `HANGAR_ADMIN_KEY` is not itself in `hgr_` form.
    public static let environmentKeyID = "env-admin"

    public static func generate() -> (id: String, secret: String, token: String) {
        let id = randomString(length: 12, alphabet: Array("abcdefghijkmnpqrstuvwxyz23456789"))
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let secret = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "-").replacingOccurrences(of: "=", with: "")
        return (id, secret, "\(prefix)\(id)_\(secret)")
    }

    /// Splits a token into its id and secret; `nil` when it is not in `hgr_` form.
    public static func parse(_ token: String) -> (id: String, secret: String)? {
        guard token.hasPrefix(prefix) else { return nil }
        let rest = token.dropFirst(prefix.count)
        guard let separator = rest.firstIndex(of: "_") else { return nil }
        let id = String(rest[..<separator])
        let secret = String(rest[rest.index(after: separator)...])
        guard !id.isEmpty, id.count <= 64, !secret.isEmpty else { return nil }
        return (id, secret)
    }

    /// Lowercase hex of the secret's SHA-256. On every authenticated request, so no
    /// `String(format:)` per byte (that showed in profiles).
    public static func hash(_ secret: String) -> String {
        let digest = SHA256.hash(data: Data(secret.utf8))
        var hex: [UInt8] = []
        hex.reserveCapacity(SHA256.byteCount * 2)
        for byte in digest {
            hex.append(hexDigits[Int(byte >> 4)])
            hex.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Compares without an early exit, so timing does not reveal how much matched.
    public static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8), b = Array(rhs.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }

    private static func randomString(length: Int, alphabet: [Character]) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
