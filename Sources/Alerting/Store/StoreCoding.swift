import Foundation

/// How both alert stores write JSON columns (label maps, sets, notifications) and read them back.
enum StoreCoding {
    /// JSON of the stores' own value types, which always encode; keys sorted so equal values
    /// are equal text.
    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) -> T? {
        try? JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
