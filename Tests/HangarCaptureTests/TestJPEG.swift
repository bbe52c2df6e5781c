import CJPEG
import Foundation

/// Real, tiny JPEGs from libjpeg, different for each `seed`, so archive and shard checks
/// compare actual image bytes.
enum TestJPEG {
    static func make(seed: Int, width: Int = 16, height: Int = 12) -> Data {
        // libjpeg keeps pointers to these between calls: they must not be Swift temporaries.
        let errors = UnsafeMutablePointer<jpeg_error_mgr>.allocate(capacity: 1)
        let cinfo = UnsafeMutablePointer<jpeg_compress_struct>.allocate(capacity: 1)
        let output = UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>.allocate(capacity: 1)
        let size = UnsafeMutablePointer<UInt>.allocate(capacity: 1)
        defer {
            jpeg_destroy_compress(cinfo)
            free(output.pointee)
            for pointer in [UnsafeMutableRawPointer(errors), UnsafeMutableRawPointer(cinfo), UnsafeMutableRawPointer(output), UnsafeMutableRawPointer(size)] {
                pointer.deallocate()
            }
        }
        cinfo.initialize(to: jpeg_compress_struct())
        errors.initialize(to: jpeg_error_mgr())
        output.initialize(to: nil)
        size.initialize(to: 0)
        cinfo.pointee.err = jpeg_std_error(errors)
        jpeg_CreateCompress(cinfo, JPEG_LIB_VERSION, MemoryLayout<jpeg_compress_struct>.size)
        jpeg_mem_dest(cinfo, output, size)
        cinfo.pointee.image_width = JDIMENSION(width)
        cinfo.pointee.image_height = JDIMENSION(height)
        cinfo.pointee.input_components = 3
        cinfo.pointee.in_color_space = JCS_RGB
        jpeg_set_defaults(cinfo)
        jpeg_set_quality(cinfo, 85, 1)
        jpeg_start_compress(cinfo, 1)
        var row = [UInt8](repeating: 0, count: width * 3)
        while cinfo.pointee.next_scanline < cinfo.pointee.image_height {
            let y = Int(cinfo.pointee.next_scanline)
            for x in 0..<width {
                row[3 * x] = UInt8(truncatingIfNeeded: seed &* 37 &+ x &* 11)
                row[3 * x + 1] = UInt8(truncatingIfNeeded: seed &* 91 &+ y &* 17)
                row[3 * x + 2] = UInt8(truncatingIfNeeded: (x ^ y) &* 23 &+ seed)
            }
            row.withUnsafeMutableBufferPointer { buffer in
                var line: JSAMPROW? = buffer.baseAddress
                _ = jpeg_write_scanlines(cinfo, &line, 1)
            }
        }
        jpeg_finish_compress(cinfo)
        guard let bytes = output.pointee else { return Data() }
        return Data(bytes: bytes, count: Int(size.pointee))
    }
}
