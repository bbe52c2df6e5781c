import Crypto
import Foundation

/// Standard Webhooks signing (standardwebhooks.com): the signed content is
/// `{webhook-id}.{webhook-timestamp}.{body}`, the MAC HMAC-SHA256 under the secret's key,
/// sent as `webhook-signature: v1,<base64>`.
public enum WebhookSignature {
    public static let secretPrefix = "whsec_"

    /// The key of a `whsec_<base64>` secret; a secret of another shape is used as its UTF-8 bytes.
    static func key(_ secret: String) -> SymmetricKey {
        if secret.hasPrefix(secretPrefix), let data = Data(base64Encoded: String(secret.dropFirst(secretPrefix.count))), !data.isEmpty {
            return SymmetricKey(data: data)
        }
        return SymmetricKey(data: Data(secret.utf8))
    }

    /// `true` for `whsec_` followed by the base64 of 16 to 64 bytes (Standard Webhooks), or for
    /// any other text of 16 to 200 characters, used as its UTF-8 bytes (seed 004's
    /// `"webhook-secret-123"`, as `HANGAR_WEBHOOK_SECRET` is). Shorter is guessable.
    public static func isValidSecret(_ secret: String) -> Bool {
        guard secret.hasPrefix(secretPrefix) else { return (16...200).contains(secret.count) }
        guard let data = Data(base64Encoded: String(secret.dropFirst(secretPrefix.count))) else { return false }
        return (16...64).contains(data.count)
    }

    /// A fresh `whsec_` secret of 32 random bytes.
    public static func generateSecret() -> String {
        secretPrefix + Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64EncodedString()
    }

    /// The `webhook-signature` header value.
    public static func sign(secret: String, id: String, timestamp: Int, body: [UInt8]) -> String {
        var content = Array("\(id).\(timestamp).".utf8)
        content.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: content, using: key(secret))
        return "v1," + Data(mac).base64EncodedString()
    }
}
