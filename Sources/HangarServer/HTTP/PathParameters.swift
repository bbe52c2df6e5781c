import Foundation
import Hummingbird

extension Parameters {
    /// A path parameter, percent-decoded. The router hands over the raw segment, so an agent or
    /// workflow named `Data Pipeline` arrives as `Data%20Pipeline`; every route reads its
    /// parameters through this. A segment that is not valid percent-encoding is used as it is
    /// (it then matches nothing and the route answers 404).
    func decoded(_ name: String) throws -> String {
        let raw = try require(name)
        return raw.removingPercentEncoding ?? raw
    }
}
