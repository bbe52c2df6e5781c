import Foundation

/// RFC 3339 timestamps in UTC with milliseconds (`2024-01-15T10:30:00.123Z`), as the seeds show them.
public enum Timestamp {
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let whole = Date.ISO8601FormatStyle()

    /// Rounded to the nearest millisecond, written by hand: Foundation's style truncates the
    /// fraction, and a parsed `.372` is stored as 0.37199999…, so a timestamp read and written
    /// again would come back as `.371`.
    public static func format(_ date: Date) -> String {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        let seconds = (milliseconds / 1000).rounded(.down)
        let fraction = Int(milliseconds - seconds * 1000)
        let text = Date(timeIntervalSince1970: seconds).formatted(whole)  // `…:00Z`
        let digits = String(fraction)
        return text.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    public static func parse(_ text: String) -> Date? {
        if let date = try? fractional.parse(text) { return date }
        return try? whole.parse(text)
    }
}
