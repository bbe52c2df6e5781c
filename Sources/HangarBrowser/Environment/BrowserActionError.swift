import Foundation

/// An action an environment cannot carry out as given (the model's mistake, not the browser's).
public enum BrowserActionError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingPosition(BrowserAction.Kind)
    case missingValue(BrowserAction.Kind)
    case unknownDirection(String)
    case optionNotFound(value: String, available: [String])

    public var description: String {
        switch self {
        case .missingPosition(let kind): "\(kind.rawValue) needs a position"
        case .missingValue(let kind): "\(kind.rawValue) needs a value"
        case .unknownDirection(let value): "unknown direction \"\(value)\" (expected up, down, left or right)"
        case .optionNotFound(let value, let available):
            "no option \"\(value)\" in the list (options: \(available.prefix(20).joined(separator: ", ")))"
        }
    }
}

/// SCROLL's and SWIPE's `value`.
public enum ScrollDirection: String, Sendable, CaseIterable {
    case up, down, left, right

    /// Lenient: case and surrounding spaces don't matter.
    public init(parsing value: String?, for kind: BrowserAction.Kind) throws {
        guard let value else { throw BrowserActionError.missingValue(kind) }
        let normalized = value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard let direction = ScrollDirection(rawValue: normalized) else { throw BrowserActionError.unknownDirection(value) }
        self = direction
    }
}
