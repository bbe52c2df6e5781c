import HangarCore

/// Blob keys are relative, `/`-separated paths. Checked in one place so every backend refuses
/// the same keys: a key that could climb out of a root (`..`), start at `/`, or hide an empty
/// segment (`a//b`, which S3 keeps but a file system folds) never reaches storage.
public enum BlobKey {
    public static func validate(_ key: String, field: String = "key") throws {
        guard !key.isEmpty else { throw HangarError.invalid(field: field, message: "blob key is empty") }
        guard !key.hasPrefix("/") else { throw HangarError.invalid(field: field, message: "blob key '\(key)' is absolute") }
        guard !key.contains("\0"), !key.contains("\\") else {
            throw HangarError.invalid(field: field, message: "blob key '\(key)' contains a NUL or backslash")
        }
        for segment in key.split(separator: "/", omittingEmptySubsequences: false) {
            if segment.isEmpty { throw HangarError.invalid(field: field, message: "blob key '\(key)' has an empty segment") }
            if segment == "." || segment == ".." {
                throw HangarError.invalid(field: field, message: "blob key '\(key)' contains '\(segment)'")
            }
        }
    }

    /// A list prefix may be empty or end in `/`; its segments follow the key rules.
    public static func validatePrefix(_ prefix: String) throws {
        guard !prefix.isEmpty else { return }
        let trimmed = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        try validate(trimmed, field: "prefix")
    }
}
