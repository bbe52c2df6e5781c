import Foundation

/// Runs a command and returns its standard output, failing loudly if it does not succeed (the
/// fault tests need root for `mount` and `losetup`, as CI has).
public func runCommand(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-cmd-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: output) }
    let handle = try FileHandle(forWritingTo: output)
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    // Polled, not `waitUntilExit()`: that spins a run loop a concurrency thread does not have.
    guard await eventually(timeout: timeout, { !process.isRunning }) else {
        process.terminate()
        throw CommandError("\(arguments.joined(separator: " ")) did not finish")
    }
    try? handle.close()
    let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    guard process.terminationStatus == 0 else {
        throw CommandError("\(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(text)")
    }
    return text
}

public struct CommandError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A small filesystem mounted for one test, that the test can fill or have the kernel turn
/// read-only under a running writer.
public final class ScratchFilesystem: Sendable {
    public let mountPoint: String
    /// The ext4 image and its loop device; nil for tmpfs.
    let image: String?
    let device: String?

    /// A tmpfs of `megabytes` (fill it to make its disk full).
    public static func tmpfs(megabytes: Int) async throws -> ScratchFilesystem {
        let mountPoint = try makeMountPoint("tmpfs")
        _ = try await runCommand(["mount", "-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", mountPoint])
        return ScratchFilesystem(mountPoint: mountPoint, image: nil, device: nil)
    }

    /// ext4 on a loop device, mounted `errors=remount-ro` as distributions do: an error the
    /// filesystem detects makes the kernel refuse every write from then on (`EROFS`), even
    /// through descriptors already open — what `mount -o remount,ro` cannot do while a process
    /// holds files open for writing.
    public static func ext4(megabytes: Int) async throws -> ScratchFilesystem {
        let mountPoint = try makeMountPoint("ext4")
        let image = mountPoint + ".img"
        _ = try await runCommand(["truncate", "-s", "\(megabytes)M", image])
        _ = try await runCommand(["mkfs.ext4", "-q", "-F", image])
        let device = try await runCommand(["losetup", "-f", "--show", image]).trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try await runCommand(["mount", "-o", "errors=remount-ro", device, mountPoint])
        return ScratchFilesystem(mountPoint: mountPoint, image: image, device: device)
    }

    init(mountPoint: String, image: String?, device: String?) {
        self.mountPoint = mountPoint
        self.image = image
        self.device = device
    }

    static func makeMountPoint(_ kind: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-\(kind)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Makes the kernel turn the ext4 filesystem read-only, as after an I/O error: ext4's own
    /// error path (`/sys/fs/ext4/<dev>/trigger_fs_error`), then `errors=remount-ro`.
    public func turnReadOnly() async throws {
        guard let device else { throw CommandError("only the ext4 scratch filesystem can turn read-only") }
        let name = (device as NSString).lastPathComponent
        try "hangar fault test".write(toFile: "/sys/fs/ext4/\(name)/trigger_fs_error", atomically: false, encoding: .utf8)
    }

    /// What an operator does after the kernel turned the filesystem read-only: unmount, check
    /// and repair, mount again (only once no process holds files open on it).
    public func repair() async throws {
        guard let device else { return }
        _ = try await runCommand(["umount", mountPoint])
        _ = try? await runCommand(["e2fsck", "-fy", device])  // exits 1 when it fixed something
        _ = try await runCommand(["mount", "-o", "errors=remount-ro", device, mountPoint])
    }

    /// Fills the filesystem to the last byte with one file, which `free()` removes.
    public func fill() throws {
        let filler = mountPoint + "/filler"
        _ = FileManager.default.createFile(atPath: filler, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
        let chunk = Data(repeating: 0, count: 64 << 10)
        while (try? handle.write(contentsOf: chunk)) != nil {}
        let small = Data(repeating: 0, count: 512)
        while (try? handle.write(contentsOf: small)) != nil {}
        try? handle.close()
    }

    public func free() throws {
        try FileManager.default.removeItem(atPath: mountPoint + "/filler")
    }

    /// `remove()` for a `defer`, which cannot await: one shell does it all, and finishes even
    /// when the test process exits first (a `Task` in a `defer` may never run then).
    public func detach() {
        var script = "umount -l '\(mountPoint)'"
        if let device { script += "; losetup -d '\(device)'" }
        if let image { script += "; rm -f '\(image)'" }
        script += "; rmdir '\(mountPoint)'"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try? process.run()
    }

    /// Unmounts (lazily: a process that died may still be closing) and frees the loop device.
    public func remove() async {
        _ = try? await runCommand(["umount", "-l", mountPoint])
        if let device { _ = try? await runCommand(["losetup", "-d", device]) }
        if let image { try? FileManager.default.removeItem(atPath: image) }
        try? FileManager.default.removeItem(atPath: mountPoint)
    }
}
