import Foundation

/// Band-limited sample-rate conversion by windowed-sinc interpolation (Smith's method): the
/// ideal low-pass kernel, Kaiser-windowed to `zeroCrossings` lobes each side, is tabulated
/// finely and interpolated, so any ratio works, rational (22050 → 48000) or not (a pitch
/// shift reinterprets the source rate by 2^(semitones/12)). When converting down, the
/// kernel widens so that the cut-off sits below the new Nyquist frequency: no aliasing.
public enum Resampler {
    /// Lobes of the sinc each side of the centre; quality vs. cost (2 × this taps per output sample).
    public static let zeroCrossings = 16
    /// The pass band ends at this fraction of the lower Nyquist frequency.
    public static let rolloff = 0.94
    static let tableResolution = 512
    static let kaiserBeta = 8.0

    /// `input` at `inputRate` converted to `outputRate`; the output's length is the input's
    /// duration at the new rate.
    public static func resample(_ input: [Float], from inputRate: Double, to outputRate: Double) -> [Float] {
        guard !input.isEmpty, inputRate > 0, outputRate > 0 else { return [] }
        if abs(inputRate - outputRate) < 1e-9 { return input }
        let ratio = outputRate / inputRate
        let zeroScale = min(1.0, ratio) * rolloff  // input samples → zero-crossing units
        let halfWidth = Double(zeroCrossings) / zeroScale
        let step = inputRate / outputRate
        let outputCount = Int((Double(input.count) * ratio).rounded())
        let resolution = Double(tableResolution)
        let tableStep = zeroScale * resolution
        let limit = zeroCrossings * tableResolution
        var output = [Float](repeating: 0, count: outputCount)
        let table = Self.table
        input.withUnsafeBufferPointer { x in
            table.withUnsafeBufferPointer { h in
                output.withUnsafeMutableBufferPointer { y in
                    for n in 0..<outputCount {
                        let t = Double(n) * step
                        let low = max(0, Int((t - halfWidth).rounded(.up)))
                        let high = min(x.count - 1, Int((t + halfWidth).rounded(.down)))
                        guard low <= high else { continue }
                        var position = (t - Double(low)) * tableStep  // table position of tap `low`
                        var sum: Float = 0
                        for i in low...high {
                            let p = abs(position)
                            let index = Int(p)
                            if index < limit {
                                let fraction = Float(p - Double(index))
                                sum += x[i] * (h[index] + fraction * (h[index + 1] - h[index]))
                            }
                            position -= tableStep
                        }
                        y[n] = sum * Float(zeroScale)
                    }
                }
            }
        }
        return output
    }

    /// sinc(z) · kaiser(z / zeroCrossings) for z = 0, 1/resolution, … zeroCrossings (one extra zero).
    static let table: [Float] = {
        let count = zeroCrossings * tableResolution
        var table = [Float](repeating: 0, count: count + 2)
        let denominator = besselI0(kaiserBeta)
        for index in 0..<count {
            let z = Double(index) / Double(tableResolution)
            let sinc = index == 0 ? 1.0 : sin(Double.pi * z) / (Double.pi * z)
            let x = z / Double(zeroCrossings)
            let window = besselI0(kaiserBeta * (1 - x * x).squareRoot()) / denominator
            table[index] = Float(sinc * window)
        }
        return table
    }()

    /// The zeroth-order modified Bessel function of the first kind (power series).
    static func besselI0(_ x: Double) -> Double {
        var sum = 1.0
        var term = 1.0
        var k = 1.0
        while term > 1e-12 * sum {
            term *= (x / (2 * k)) * (x / (2 * k))
            sum += term
            k += 1
        }
        return sum
    }
}
