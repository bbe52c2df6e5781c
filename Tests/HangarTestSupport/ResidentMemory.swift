import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// This process's resident bytes after handing freed heap pages back to the system (glibc's
/// `malloc_trim`, looked up at run time: `<malloc.h>` is not in Swift's Glibc module), so what
/// remains is what is still allocated, give or take a page per arena.
public func residentBytesAfterTrim() -> Int {
    typealias Trim = @convention(c) (Int) -> Int32
    if let symbol = dlsym(nil, "malloc_trim") {  // nil: RTLD_DEFAULT
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }
    let fields = ((try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? "").split(separator: " ")
    return (fields.count > 1 ? Int(fields[1]) ?? 0 : 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
}
