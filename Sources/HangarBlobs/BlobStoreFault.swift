import Foundation
import HangarCore

/// A blob store that cannot take a write for a reason outside the request — its disk is full,
/// its filesystem read-only, S3 answers 5xx or does not answer — named with the store (the
/// directory, or S3's bucket and endpoint) so that a task's error or an API answer says where
/// to look. It passes by itself (space freed, S3 back); the write can be tried again.
public struct BlobStoreFault: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case diskFull = "disk_full"
        case readOnly = "read_only"
        /// S3 answered 5xx or 429, or refused the connection, on every attempt.
        case unavailable
        /// S3 did not answer within the request timeout, on every attempt.
        case timeout
    }

    public var kind: Kind
    public var detail: String
    public var retryAfterSeconds: Int

    public init(kind: Kind, detail: String, retryAfterSeconds: Int) {
        self.kind = kind
        self.detail = detail
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { detail }

    /// What a failed write under `root` means, if the filesystem refuses writes; nil for
    /// other failures (a bad key, a permission), which are not faults.
    static func local(root: URL, key: String, bytes: Int) -> BlobStoreFault? {
        // The key's directory may not exist yet (its creation is what failed): probe the root.
        let probe = WriteProbe.check(root.path)
        let free = probe.freeBytes ?? 0
        switch probe.verdict {
        case .readOnly:
            return BlobStoreFault(
                kind: .readOnly,
                detail: "the filesystem holding the local blob store (\(root.path)) is read-only: '\(key)' was not written", retryAfterSeconds: 30)
        case .full:
            return full(root: root, key: key, bytes: bytes, free: free)
        case .writable where probe.freeBytes != nil && free < UInt64(bytes) + (1 << 20):
            // One page fits, the blob does not.
            return full(root: root, key: key, bytes: bytes, free: free)
        case .writable, .failed:
            return nil
        }
    }

    private static func full(root: URL, key: String, bytes: Int, free: UInt64) -> BlobStoreFault {
        BlobStoreFault(
            kind: .diskFull,
            detail: "the disk holding the local blob store (\(root.path)) is full (\(free / 1024) KiB free, \(bytes / 1024 + 1) KiB needed): "
                + "'\(key)' was not written; free space",
            retryAfterSeconds: 30)
    }

    /// An S3 failure that retries did not cure and that is S3's side (5xx, 429, no answer), or nil.
    static func s3(_ error: S3Error, endpoint: URL) -> BlobStoreFault? {
        if error.timedOut {
            return BlobStoreFault(
                kind: .timeout, detail: "the S3 blob store (bucket '\(error.bucket)' at \(endpoint.absoluteString)) did not answer: \(error)",
                retryAfterSeconds: 30)
        }
        guard error.isS3Side else { return nil }
        return BlobStoreFault(
            kind: .unavailable, detail: "the S3 blob store (bucket '\(error.bucket)' at \(endpoint.absoluteString)) is unavailable: \(error)",
            retryAfterSeconds: 30)
    }
}
