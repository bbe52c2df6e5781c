import Crypto
import Foundation
import HangarCore

/// Encrypts agent secrets at rest with AES-256-GCM under a master key. Each ciphertext is
/// stored with the id of the key that sealed it, so a rotation can re-encrypt step by step
/// and a wrong key is reported as such rather than as corrupt data.
public struct SecretBox: Sendable {
    public let keyID: String
    private let key: SymmetricKey
    /// Keys that may still open older ciphertexts (during a rotation).
    private let previous: [String: SymmetricKey]

    public init(keyData: Data, previous: [Data] = []) throws {
        guard keyData.count == 32 else { throw HangarError.invalid(field: "HANGAR_SECRET_KEY", message: "must be 32 bytes (base64-encoded)") }
        key = SymmetricKey(data: keyData)
        keyID = Self.identify(keyData)
        var others: [String: SymmetricKey] = [:]
        for data in previous where data.count == 32 { others[Self.identify(data)] = SymmetricKey(data: data) }
        self.previous = others
    }

    /// `HANGAR_SECRET_KEY` (base64 of 32 bytes), or `<data-dir>/secret.key`, created with a
    /// fresh random key (mode 0600) on first start.
    public static func load(environmentKey: String?, dataDir: String) throws -> SecretBox {
        if let encoded = environmentKey, !encoded.isEmpty {
            guard let data = Data(base64Encoded: encoded) else {
                throw HangarError.invalid(field: "HANGAR_SECRET_KEY", message: "must be base64 (e.g. `openssl rand -base64 32`)")
            }
            return try SecretBox(keyData: data)
        }
        let path = (dataDir as NSString).appendingPathComponent("secret.key")
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw HangarError.invalid(field: "secret.key", message: "\(path) is not base64")
            }
            return try SecretBox(keyData: data)
        }
        let data = generateKey()
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: Data((data.base64EncodedString() + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw HangarError.unavailable("cannot write \(path)")
        }
        return try SecretBox(keyData: data)
    }

    /// A key for `purpose` derived from the master key (HMAC-SHA256, hex): processes sharing
    /// the master key share it, and it reveals nothing about the master key.
    public func derivedKey(purpose: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(purpose.utf8), using: key).map { String(format: "%02x", $0) }.joined()
    }

    public static func generateKey() -> Data {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
    }

    public func seal(_ plaintext: String) throws -> String {
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: key)
        guard let combined = box.combined else { throw HangarError.unavailable("encryption failed") }
        return combined.base64EncodedString()
    }

    public func open(_ ciphertext: String, keyID: String) throws -> String {
        let key: SymmetricKey
        if keyID == self.keyID {
            key = self.key
        } else if let older = previous[keyID] {
            key = older
        } else {
            throw HangarError.unavailable("secret was encrypted with key \(keyID), which this server does not have")
        }
        guard let data = Data(base64Encoded: ciphertext), let box = try? AES.GCM.SealedBox(combined: data),
            let plain = try? AES.GCM.open(box, using: key), let text = String(data: plain, encoding: .utf8)
        else {
            throw HangarError.unavailable("secret cannot be decrypted (corrupt or wrong key)")
        }
        return text
    }

    /// Public, non-secret fingerprint of a key.
    static func identify(_ data: Data) -> String {
        SHA256.hash(data: data).prefix(8).map { String(format: "%02x", $0) }.joined()
    }
}
