import HangarCore

/// One self-describing string for a secret kept in a column of its own (webhook
/// subscription secrets): `sealed:v1:<key id>:<AES-GCM ciphertext, base64>`. Agent secrets
/// keep the key id in a column instead.
extension SecretBox {
    static let sealedPrefix = "sealed:v1:"

    public func sealText(_ plaintext: String) throws -> String {
        Self.sealedPrefix + keyID + ":" + (try seal(plaintext))
    }

    /// The plaintext of `sealText`'s output. A value without the prefix was stored before
    /// encryption and is returned as it is (it is re-sealed when next written).
    public func openText(_ stored: String) throws -> String {
        guard stored.hasPrefix(Self.sealedPrefix) else { return stored }
        let rest = stored.dropFirst(Self.sealedPrefix.count)
        guard let colon = rest.firstIndex(of: ":") else { throw HangarError.unavailable("sealed secret is malformed") }
        return try open(String(rest[rest.index(after: colon)...]), keyID: String(rest[..<colon]))
    }

    public static func isSealed(_ stored: String) -> Bool { stored.hasPrefix(sealedPrefix) }
}
