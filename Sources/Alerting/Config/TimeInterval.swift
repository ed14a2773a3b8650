import Foundation

/// One entry of Alertmanager's `time_intervals[].time_intervals`: all given fields must match.
public struct TimeIntervalSpec: Sendable {
    /// Minutes of the day, [start, end).
    public var times: [(Int, Int)] = []
    /// 0 = Sunday.
    public var weekdays: [BoundRange] = []
    /// Negative values count from the end of the month.
    public var daysOfMonth: [BoundRange] = []
    public var months: [BoundRange] = []
    public var years: [BoundRange] = []
    public var location: TimeZone = TimeZone(identifier: "UTC")!

    public func contains(_ date: Date) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = location
        let parts = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute], from: date)
        let minute = parts.hour! * 60 + parts.minute!
        if !times.isEmpty && !times.contains(where: { minute >= $0.0 && minute < $0.1 }) { return false }
        if !weekdays.isEmpty && !weekdays.contains(where: { $0.contains(parts.weekday! - 1) }) { return false }
        if !months.isEmpty && !months.contains(where: { $0.contains(parts.month!) }) { return false }
        if !years.isEmpty && !years.contains(where: { $0.contains(parts.year!) }) { return false }
        if !daysOfMonth.isEmpty {
            // Negative days count back from the month's last day (-1 is the last).
            let length = calendar.range(of: .day, in: .month, for: date)!.count
            let day = parts.day!
            let matches = daysOfMonth.contains { range in
                let low = range.lowerBound < 0 ? length + range.lowerBound + 1 : range.lowerBound
                let high = range.upperBound < 0 ? length + range.upperBound + 1 : range.upperBound
                return day >= low && day <= high
            }
            if !matches { return false }
        }
        return true
    }

    static let weekdayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
    static let monthNames = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]

    /// `monday:friday`, `saturday`, `1:5`, `-3:-1`, `january:march`.
    static func ranges(_ items: [String], names: [String]?, offset: Int, valid: ClosedRange<Int>, what: String) throws(PromQLError) -> [BoundRange] {
        var result: [BoundRange] = []
        for item in items {
            let bounds = item.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard (1...2).contains(bounds.count) else { throw PromQLError("invalid \(what) range '\(item)'") }
            var values: [Int] = []
            for bound in bounds {
                if let names, let index = names.firstIndex(of: bound) {
                    values.append(index + offset)
                } else if let number = Int(bound), valid.contains(number) {
                    values.append(number)
                } else {
                    throw PromQLError("invalid \(what) '\(bound)' in '\(item)'")
                }
            }
            let low = values[0], high = values.last!
            guard low <= high || (low > 0) != (high > 0) else { throw PromQLError("\(what) range '\(item)' starts after it ends") }
            result.append(BoundRange(lowerBound: low, upperBound: high))
        }
        return result
    }

    /// `HH:MM` as minutes of the day; 24:00 allowed as an end.
    static func minutes(_ text: String) throws(PromQLError) -> Int {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]), (0...24).contains(hours), (0..<60).contains(minutes),
            hours * 60 + minutes <= 1440
        else { throw PromQLError("invalid time '\(text)': expected HH:MM between 00:00 and 24:00") }
        return hours * 60 + minutes
    }
}

/// An inclusive range whose bounds may count from the end (negative days of the month).
public struct BoundRange: Sendable {
    public var lowerBound: Int
    public var upperBound: Int

    func contains(_ value: Int) -> Bool { value >= lowerBound && value <= upperBound }
}
