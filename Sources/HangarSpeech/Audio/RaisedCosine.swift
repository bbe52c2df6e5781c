import Foundation

/// Smooth gain curves for fades and crossfades. An equal-power crossfade keeps the loudness of
/// uncorrelated material constant across the join (cos² + sin² = 1); both curves have a slope
/// of at most π/2 per fade length, which bounds the step any fade can add between two samples.
public enum RaisedCosine {
    /// Gain rising from 0 to 1 over `count` samples (half a Hann window), sampled at midpoints.
    public static func fadeIn(_ count: Int) -> [Float] {
        (0..<count).map { Float(0.5 - 0.5 * Foundation.cos(Double.pi * (Double($0) + 0.5) / Double(count))) }
    }

    /// Equal-power crossfade gains over `count` samples: (outgoing, incoming).
    public static func equalPower(_ count: Int) -> (out: [Float], in: [Float]) {
        var outgoing = [Float](repeating: 0, count: count)
        var incoming = [Float](repeating: 0, count: count)
        for index in 0..<count {
            let angle = Double.pi / 2 * (Double(index) + 0.5) / Double(count)
            outgoing[index] = Float(Foundation.cos(angle))
            incoming[index] = Float(Foundation.sin(angle))
        }
        return (outgoing, incoming)
    }
}
