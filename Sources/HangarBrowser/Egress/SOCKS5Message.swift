import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SOCKS5 reply codes (RFC 1928 §6).
public enum SOCKS5Reply: UInt8, Sendable, Equatable {
    case succeeded = 0x00
    case generalFailure = 0x01
    /// "Connection not allowed by ruleset": the network policy refused the destination.
    case notAllowed = 0x02
    case networkUnreachable = 0x03
    case hostUnreachable = 0x04
    case connectionRefused = 0x05
    case ttlExpired = 0x06
    case commandNotSupported = 0x07
    case addressTypeNotSupported = 0x08
}

/// The parts of RFC 1928 the egress proxy speaks: the method greeting, a CONNECT request
/// (IPv4, domain name, IPv6) and the reply. Parsers read from a buffer that may hold a partial
/// message: nil means "wait for more bytes" and leaves the buffer untouched.
enum SOCKS5 {
    static let version: UInt8 = 0x05
    static let noAuthentication: UInt8 = 0x00
    static let noAcceptableMethod: UInt8 = 0xFF
    static let connectCommand: UInt8 = 0x01

    /// A request the proxy cannot serve: answered with `reply` (nil: just close — the peer
    /// does not speak SOCKS5, so no reply would mean anything to it).
    struct Failure: Error, Equatable {
        var reply: SOCKS5Reply?
        var reason: String
    }

    struct Request: Equatable {
        /// A domain name as sent (Chromium resolves nothing itself), or an address literal.
        var host: String
        var port: Int
    }

    /// The greeting `VER NMETHODS METHODS…`; true when it offers "no authentication".
    static func parseGreeting(_ buffer: inout ByteBuffer) throws(Failure) -> Bool? {
        guard let header = buffer.getBytes(at: buffer.readerIndex, length: 2) else { return nil }
        guard header[0] == version else { throw Failure(reply: nil, reason: "not SOCKS version 5 (\(header[0]))") }
        guard let methods = buffer.getBytes(at: buffer.readerIndex + 2, length: Int(header[1])) else { return nil }
        buffer.moveReaderIndex(forwardBy: 2 + methods.count)
        return methods.contains(noAuthentication)
    }

    /// `VER CMD RSV ATYP DST.ADDR DST.PORT`: CONNECT only.
    static func parseRequest(_ buffer: inout ByteBuffer) throws(Failure) -> Request? {
        let start = buffer.readerIndex
        guard let header = buffer.getBytes(at: start, length: 4) else { return nil }
        guard header[0] == version else { throw Failure(reply: .generalFailure, reason: "request is not SOCKS version 5") }
        guard header[1] == connectCommand else {
            throw Failure(reply: .commandNotSupported, reason: "command \(header[1]) is not CONNECT")
        }
        let host: String
        var offset = start + 4
        switch header[3] {
        case 0x01, 0x04:
            let length = header[3] == 0x01 ? 4 : 16
            guard let packed = buffer.getSlice(at: offset, length: length) else { return nil }
            // Canonical text ("::1", not "0:0:…:1") for the policy and the logs.
            guard let address = try? SocketAddress(packedIPAddress: packed, port: 0).ipAddress else {
                throw Failure(reply: .addressTypeNotSupported, reason: "unreadable address")
            }
            host = address
            offset += length
        case 0x03:
            guard let length = buffer.getInteger(at: offset, as: UInt8.self) else { return nil }
            guard let bytes = buffer.getBytes(at: offset + 1, length: Int(length)) else { return nil }
            // A DNS name is at most 253 characters; longer (or empty) cannot resolve.
            guard (1...253).contains(bytes.count) else {
                throw Failure(reply: .hostUnreachable, reason: "domain name of \(bytes.count) bytes")
            }
            host = String(decoding: bytes, as: UTF8.self)
            offset += 1 + bytes.count
        default:
            throw Failure(reply: .addressTypeNotSupported, reason: "address type \(header[3])")
        }
        guard let port = buffer.getInteger(at: offset, as: UInt16.self) else { return nil }
        buffer.moveReaderIndex(to: offset + 2)
        return Request(host: host, port: Int(port))
    }

    /// `VER REP RSV ATYP BND.ADDR BND.PORT`; the bound address is the outbound socket's
    /// local address when connected, `0.0.0.0:0` otherwise.
    static func reply(_ code: SOCKS5Reply, bound: SocketAddress? = nil) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeBytes([version, code.rawValue, 0x00])
        switch bound {
        case .v4(let address)?:
            buffer.writeInteger(UInt8(0x01))
            _ = withUnsafeBytes(of: address.address.sin_addr) { buffer.writeBytes($0) }
        case .v6(let address)?:
            buffer.writeInteger(UInt8(0x04))
            _ = withUnsafeBytes(of: address.address.sin6_addr) { buffer.writeBytes($0) }
        default:
            buffer.writeBytes([0x01, 0, 0, 0, 0])
        }
        buffer.writeInteger(UInt16(bound?.port ?? 0))
        return buffer
    }
}
