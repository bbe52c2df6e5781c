import Foundation
import HangarCore

/// Builds each section's JSON.
struct SystemMetrics {
    let sampler: SystemSampler
    let dataDirectory: String

    static let gib = 1024.0 * 1024 * 1024

    static func round(_ value: Double, _ places: Double = 2) -> JSONValue {
        let scale = pow(10, places)
        return .double((value * scale).rounded() / scale)
    }

    static func gb(_ bytes: UInt64) -> JSONValue { Self.round(Double(bytes) / gib) }

    static func percent(_ part: Double, _ whole: Double) -> Double {
        whole > 0 ? min(100, max(0, part / whole * 100)) : 0
    }

    func all() async -> JSONValue {
        let (previous, current) = await sampler.pair()
        return [
            "timestamp": .string(Timestamp.format(Date())),
            "cpu": cpu(previous, current),
            "memory": memory(),
            "disk": disk(previous, current),
            "network": network(previous, current),
            "gpu": .array(Self.gpu().gpus),
            "load_average": load(),
            "swap": swap(),
            "system": system(),
        ]
    }
}
