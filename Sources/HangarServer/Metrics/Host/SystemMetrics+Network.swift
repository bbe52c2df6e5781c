import Foundation
import HangarCore

// Network sections of GET /api/v1/system/metrics.
extension SystemMetrics {
    func network() async -> JSONValue {
        let (previous, current) = await sampler.pair()
        return network(previous, current)
    }

    func network(_ previous: SystemSampler.Counters, _ current: SystemSampler.Counters) -> JSONValue {
        let seconds = max(0.001, (current.at - previous.at).seconds)
        typealias Field = KeyPath<SystemSampler.NetCounters, UInt64>
        func total(_ counters: [String: SystemSampler.NetCounters], _ field: Field) -> UInt64 { counters.values.reduce(0) { $0 + $1[keyPath: field] } }
        func rate(_ after: UInt64, _ before: UInt64) -> JSONValue { Self.round(Double(after >= before ? after - before : 0) / seconds, 1) }
        func io(_ c: SystemSampler.NetCounters) -> [String: JSONValue] {
            [
                "bytes_sent": .int(Int64(c.bytesSent)), "bytes_recv": .int(Int64(c.bytesRecv)), "packets_sent": .int(Int64(c.packetsSent)),
                "packets_recv": .int(Int64(c.packetsRecv)), "errin": .int(Int64(c.errIn)), "errout": .int(Int64(c.errOut)),
                "dropin": .int(Int64(c.dropIn)), "dropout": .int(Int64(c.dropOut)),
            ]
        }
        func speeds(_ now: SystemSampler.NetCounters, _ then: SystemSampler.NetCounters?) -> JSONValue {
            let then = then ?? now
            return [
                "bytes_sent_per_sec": rate(now.bytesSent, then.bytesSent), "bytes_recv_per_sec": rate(now.bytesRecv, then.bytesRecv),
                "packets_sent_per_sec": rate(now.packetsSent, then.packetsSent), "packets_recv_per_sec": rate(now.packetsRecv, then.packetsRecv),
            ]
        }
        let sumNow = SystemSampler.NetCounters(
            bytesRecv: total(current.network, \.bytesRecv), packetsRecv: total(current.network, \.packetsRecv), errIn: total(current.network, \.errIn),
            dropIn: total(current.network, \.dropIn), bytesSent: total(current.network, \.bytesSent), packetsSent: total(current.network, \.packetsSent),
            errOut: total(current.network, \.errOut), dropOut: total(current.network, \.dropOut))
        let sumThen = SystemSampler.NetCounters(
            bytesRecv: total(previous.network, \.bytesRecv), packetsRecv: total(previous.network, \.packetsRecv),
            errIn: total(previous.network, \.errIn), dropIn: total(previous.network, \.dropIn), bytesSent: total(previous.network, \.bytesSent),
            packetsSent: total(previous.network, \.packetsSent), errOut: total(previous.network, \.errOut), dropOut: total(previous.network, \.dropOut))
        let interfaces: [JSONValue] = current.network.keys.sorted().map { name in
            let base = "/sys/class/net/\(name)/"
            let flags = ProcFiles.trimmed(base + "flags").flatMap { Int($0.dropFirst(2), radix: 16) } ?? 0
            let speed = ProcFiles.trimmed(base + "speed").flatMap { Int64($0) }.flatMap { $0 > 0 ? JSONValue.int($0) : nil } ?? .null
            var object: [String: JSONValue] = [
                "name": .string(name), "isup": .bool(flags & 1 == 1), "speed_mbps": speed,
                "mtu": ProcFiles.trimmed(base + "mtu").flatMap { Int64($0) }.map { JSONValue.int($0) } ?? .null,
            ]
            object["io"] = .object(io(current.network[name]!))
            object["speeds"] = speeds(current.network[name]!, previous.network[name])
            return .object(object)
        }
        return [
            "io": .object(io(sumNow)), "speeds": speeds(sumNow, sumThen), "interfaces": .array(interfaces),
            "interval_seconds": Self.round(seconds, 3),
        ]
    }
}
