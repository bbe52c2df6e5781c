/// What one task of an agent reserves on a worker while it runs (seed 002's resource model).
public struct Resources: Sendable, Hashable, Codable {
    public var cpu: Double
    public var memoryMB: Int
    public var gpu: Int

    public init(cpu: Double = 0, memoryMB: Int = 0, gpu: Int = 0) {
        self.cpu = cpu
        self.memoryMB = memoryMB
        self.gpu = gpu
    }

    public static let zero = Resources()

    enum CodingKeys: String, CodingKey {
        case cpu
        case memoryMB = "memory_mb"
        case gpu
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.cpu = try container.decodeIfPresent(Double.self, forKey: .cpu) ?? 0
        self.memoryMB = try container.decodeIfPresent(Int.self, forKey: .memoryMB) ?? 0
        self.gpu = try container.decodeIfPresent(Int.self, forKey: .gpu) ?? 0
    }

    public func fits(in available: Resources) -> Bool {
        cpu <= available.cpu + 1e-9 && memoryMB <= available.memoryMB && gpu <= available.gpu
    }

    public static func + (lhs: Resources, rhs: Resources) -> Resources {
        Resources(cpu: lhs.cpu + rhs.cpu, memoryMB: lhs.memoryMB + rhs.memoryMB, gpu: lhs.gpu + rhs.gpu)
    }

    public static func - (lhs: Resources, rhs: Resources) -> Resources {
        Resources(cpu: lhs.cpu - rhs.cpu, memoryMB: lhs.memoryMB - rhs.memoryMB, gpu: lhs.gpu - rhs.gpu)
    }
}
