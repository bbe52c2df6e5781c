public import AsyncHTTPClient
public import Foundation
import HangarCore
public import Logging

/// Which blob store the process uses (the `blobs` area, `BlobStoreConfiguration+Settings`):
/// S3 when a bucket is named, otherwise a local directory.
public enum BlobStoreConfiguration: Sendable, Hashable {
    case local(URL)
    case s3(S3Configuration, bucket: String, prefix: String)

    public static let defaultDirectory = "./hangar-data/blobs"

    public func makeStore(httpClient: HTTPClient = .shared, logger: Logger = Logger(label: "hangar.blobs")) -> any BlobStore {
        switch self {
        case .local(let url): return LocalBlobStore(root: url)
        case .s3(let configuration, let bucket, let prefix):
            return S3BlobStore(client: S3Client(configuration: configuration, httpClient: httpClient, logger: logger), bucket: bucket, prefix: prefix)
        }
    }

    /// An `http(s)://host[:port]` URL, or AWS's regional endpoint when unset.
    public static func endpointURL(_ text: String?, variable: String, region: String) throws -> URL {
        guard let text = nonEmpty(text) else {
            guard let url = S3Configuration.awsEndpoint(region: region) else {
                throw HangarError.invalid(field: variable, message: "no endpoint and region '\(region)' gives no AWS endpoint")
            }
            return url
        }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            throw HangarError.invalid(field: variable, message: "'\(text)' is not an http(s) URL")
        }
        return url
    }
}

func nonEmpty(_ text: String?) -> String? {
    guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
    return text
}
