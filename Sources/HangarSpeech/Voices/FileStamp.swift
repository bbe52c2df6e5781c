import Foundation

/// What changes when a file is edited or replaced: size, modification time (to the
/// nanosecond where the file system keeps it) and inode (an atomic replace gets a new one).
struct FileStamp: Sendable, Equatable {
    var size: Int
    var modified: Date
    var inode: Int

    static func of(_ path: String) -> FileStamp? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            (attributes[.type] as? FileAttributeType) == .typeRegular
        else { return nil }
        return FileStamp(
            size: (attributes[.size] as? NSNumber)?.intValue ?? 0,
            modified: attributes[.modificationDate] as? Date ?? .distantPast,
            inode: (attributes[.systemFileNumber] as? NSNumber)?.intValue ?? 0
        )
    }
}
