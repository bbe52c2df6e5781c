import Foundation
import HangarCore
import Testing

@Suite("Timestamps")
struct TimestampTests {
    @Test("every millisecond survives a parse and a format unchanged (Foundation's style truncated .372 to .371)")
    func roundTrip() throws {
        for millis in 0..<1000 {
            let text = "2026-12-05T18:33:30." + String(format: "%03d", millis) + "Z"
            let date = try #require(Timestamp.parse(text), "\(text)")
            #expect(Timestamp.format(date) == text)
        }
    }

    @Test("the shape the seeds show: UTC, three fraction digits; a time without a fraction parses; before 1970 too")
    func shape() throws {
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1.9996)) == "1970-01-01T00:00:02.000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: -0.25)) == "1969-12-31T23:59:59.750Z")
        #expect(Timestamp.parse("2024-01-15T10:30:00Z") == Date(timeIntervalSince1970: 1_705_314_600))
        #expect(Timestamp.parse("yesterday") == nil)
    }
}
