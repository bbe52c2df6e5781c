/// Reads RIFF/WAVE audio: integer PCM (8, 16, 24, 32 bit), IEEE float (32, 64 bit) and
/// WAVE_FORMAT_EXTENSIBLE wrappers of both, any number of channels (mixed down to mono).
/// Streaming headers, whose sizes are 0 or 0xFFFFFFFF because the writer did not know the
/// length (espeak-ng `--stdout`, many HTTP servers), are read to the end of the data.
public enum WAVDecoder {
    public struct Info: Sendable, Equatable {
        public var sampleRate: Int
        public var channels: Int
        public var bitsPerSample: Int
        public var isFloat: Bool
        /// Sample frames (one sample per channel) in the data chunk.
        public var frames: Int
        public var seconds: Double { sampleRate > 0 ? Double(frames) / Double(sampleRate) : 0 }
    }

    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// The format and length, without converting the samples.
    public static func info(_ bytes: [UInt8]) throws(Failure) -> Info {
        try parse(bytes).info
    }

    /// The audio, mixed down to mono.
    public static func decode(_ bytes: [UInt8]) throws(Failure) -> AudioClip {
        let parsed = try parse(bytes)
        let info = parsed.info
        let bytesPerSample = info.bitsPerSample / 8
        let stride = bytesPerSample * info.channels
        var samples = [Float](repeating: 0, count: info.frames)
        bytes.withUnsafeBufferPointer { raw in
            for frame in 0..<info.frames {
                var sum: Float = 0
                for channel in 0..<info.channels {
                    let offset = parsed.dataOffset + frame * stride + channel * bytesPerSample
                    sum += sample(raw, at: offset, bits: info.bitsPerSample, isFloat: info.isFloat)
                }
                samples[frame] = sum / Float(info.channels)
            }
        }
        return AudioClip(sampleRate: info.sampleRate, samples: samples)
    }

    private static func sample(_ raw: UnsafeBufferPointer<UInt8>, at offset: Int, bits: Int, isFloat: Bool) -> Float {
        func word(_ count: Int) -> UInt64 {
            var value: UInt64 = 0
            for index in 0..<count { value |= UInt64(raw[offset + index]) << (8 * index) }
            return value
        }
        switch (bits, isFloat) {
        case (8, false): return (Float(raw[offset]) - 128) / 128
        case (16, false): return Float(Int16(bitPattern: UInt16(word(2)))) / 32768
        case (24, false):
            let value = Int32(bitPattern: UInt32(word(3)) << 8) >> 8
            return Float(value) / 8_388_608
        case (32, false): return Float(Int32(bitPattern: UInt32(word(4)))) / 2_147_483_648
        case (32, true): return sanitize(Float(bitPattern: UInt32(word(4))))
        case (64, true): return sanitize(Float(Double(bitPattern: word(8))))
        default: return 0
        }
    }

    private static func sanitize(_ value: Float) -> Float { value.isFinite ? value : 0 }

    private struct Parsed {
        var info: Info
        var dataOffset: Int
    }

    private static func parse(_ bytes: [UInt8]) throws(Failure) -> Parsed {
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func tag(_ at: Int) -> String { String(decoding: bytes[at..<at + 4], as: UTF8.self) }

        guard bytes.count >= 12, tag(0) == "RIFF", tag(8) == "WAVE" else { throw Failure("not a RIFF/WAVE file") }
        var offset = 12
        var format: (tag: Int, channels: Int, rate: Int, bits: Int, blockAlign: Int)?
        while offset + 8 <= bytes.count {
            let id = tag(offset)
            let declared = u32(offset + 4)
            let body = offset + 8
            if id == "data" {
                guard let format else { throw Failure("the data chunk comes before the fmt chunk") }
                let available = bytes.count - body
                // 0 and 0xFFFFFFFF (or anything past the end) mean "until the end": a streaming header.
                let length = declared == 0 || declared > available ? available : declared
                let isFloat = format.tag == 3
                guard [1, 3].contains(format.tag) else { throw Failure("unsupported WAV encoding (format tag \(format.tag)); use PCM or IEEE float") }
                guard (isFloat && [32, 64].contains(format.bits)) || (!isFloat && [8, 16, 24, 32].contains(format.bits)) else {
                    throw Failure("unsupported sample size: \(format.bits) bits")
                }
                guard (1...32).contains(format.channels) else { throw Failure("unsupported channel count: \(format.channels)") }
                guard (1000...768_000).contains(format.rate) else { throw Failure("unsupported sample rate: \(format.rate) Hz") }
                let frameBytes = format.bits / 8 * format.channels
                let info = Info(
                    sampleRate: format.rate,
                    channels: format.channels,
                    bitsPerSample: format.bits,
                    isFloat: isFloat,
                    frames: length / frameBytes
                )
                return Parsed(info: info, dataOffset: body)
            }
            guard declared <= bytes.count - body else { throw Failure("chunk '\(id)' is truncated") }
            if id == "fmt " {
                guard declared >= 16 else { throw Failure("fmt chunk is too short") }
                var formatTag = u16(body)
                if formatTag == 0xFFFE {  // WAVE_FORMAT_EXTENSIBLE: the real tag opens the sub-format GUID
                    guard declared >= 40 else { throw Failure("extensible fmt chunk is too short") }
                    formatTag = u16(body + 24)
                }
                format = (formatTag, u16(body + 2), u32(body + 4), u16(body + 14), u16(body + 12))
            }
            offset = body + declared + (declared & 1)  // chunks are padded to even sizes
        }
        throw Failure(format == nil ? "no fmt chunk" : "no data chunk")
    }
}
