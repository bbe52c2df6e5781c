import Crypto
import Foundation

/// The shared secret Telegram sends back in `X-Telegram-Bot-Api-Secret-Token`.
public enum BotSecretToken {
    /// Telegram's alphabet for it: `A-Z a-z 0-9 _ -`, 1–256 characters.
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")

    /// 64 characters of that alphabet (384 bits), from the system's secure generator.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<64).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }

    /// What the store keeps: SHA-256, hex.
    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares the hash of `presented` with `storedHash` in time that does not depend on
    /// where they differ (both are 64 hex characters).
    public static func matches(_ presented: String, storedHash: String) -> Bool {
        let a = Array(hash(presented).utf8), b = Array(storedHash.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
