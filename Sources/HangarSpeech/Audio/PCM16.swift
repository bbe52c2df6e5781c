/// Conversions between float samples and 16-bit signed little-endian PCM.
public enum PCM16 {
    /// Scales by 32768 (the inverse of `float`, so 16-bit audio round-trips exactly), rounds to
    /// the nearest step and clips to the 16-bit range. No dither: output stays deterministic,
    /// and digital silence stays silent.
    public static func quantize(_ samples: some Collection<Float>) -> [Int16] {
        var output = [Int16]()
        output.reserveCapacity(samples.count)
        for sample in samples {
            let scaled = (sample * 32768).rounded()
            output.append(scaled >= 32767 ? Int16.max : scaled <= -32768 ? Int16.min : Int16(scaled))
        }
        return output
    }

    public static func float(_ sample: Int16) -> Float { Float(sample) / 32768 }

    /// Little-endian bytes of `samples`.
    public static func bytes(_ samples: some Collection<Int16>) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(samples.count * 2)
        for sample in samples {
            let bits = UInt16(bitPattern: sample)
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
        }
        return bytes
    }

    /// Samples from little-endian bytes (a trailing odd byte is ignored).
    public static func samples(_ bytes: some Collection<UInt8>) -> [Int16] {
        var samples = [Int16]()
        samples.reserveCapacity(bytes.count / 2)
        var iterator = bytes.makeIterator()
        while let low = iterator.next(), let high = iterator.next() {
            samples.append(Int16(bitPattern: UInt16(low) | UInt16(high) << 8))
        }
        return samples
    }
}
