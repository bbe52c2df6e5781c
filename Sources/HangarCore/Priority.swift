/// Task priority 1 (lowest) … 10 (highest). Seed 002 spells it with words; both are accepted.
public struct Priority: Sendable, Hashable, Comparable {
    public static let range = 1...10
    public static let low = Priority(unchecked: 2)
    public static let normal = Priority(unchecked: 5)
    public static let high = Priority(unchecked: 8)
    public static let critical = Priority(unchecked: 10)

    public let value: Int

    private init(unchecked value: Int) { self.value = value }

    public init?(_ value: Int) {
        guard Self.range.contains(value) else { return nil }
        self.value = value
    }

    public init?(name: String) {
        switch name.lowercased() {
        case "low": self = .low
        case "normal", "medium": self = .normal
        case "high": self = .high
        case "critical", "urgent": self = .critical
        default:
            guard let number = Int(name) else { return nil }
            self.init(number)
        }
    }

    public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.value < rhs.value }
}
