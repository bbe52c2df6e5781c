import Foundation
import Hummingbird

extension Parameters {
    /// A path parameter, percent-decoded. The router hands over the raw segment, so an agent or
    /// workflow named `Data Pipeline` arrives as `Data%20Pipeline`; every route reads its
    /// parameters through this. A segment that is not valid percent-encoding is used as it is
    /// (it then matches nothing and the route answers 404), and so is one decoding to a NUL,
    /// which PostgreSQL cannot hold in text.
    func decoded(_ name: String) throws -> String {
        let raw = try require(name)
        guard let decoded = raw.removingPercentEncoding, !decoded.contains("\u{0}") else { return raw }
        return decoded
    }
}
