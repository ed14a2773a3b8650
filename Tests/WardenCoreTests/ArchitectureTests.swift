import Foundation
import Testing

/// docs/ARCHITECTURE.md is the module table; this keeps it true.
@Suite("docs/ARCHITECTURE.md matches Sources/")
struct ArchitectureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let system: Set<String> = ["Foundation", "Synchronization", "Glibc", "Dispatch", "FoundationEssentials", "Testing"]

    /// module → allowed imports, from the table.
    static func table() throws -> [String: Set<String>] {
        let text = try String(contentsOf: root.appendingPathComponent("docs/ARCHITECTURE.md"), encoding: .utf8)
        var rows: [String: Set<String>] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            let module = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            rows[module] = Set(cells[2].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }
        return rows
    }

    static func imports(of module: String) throws -> [(file: String, module: String)] {
        let directory = root.appendingPathComponent("Sources/\(module)")
        var found: [(String, String)] = []
        for case let url as URL in FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)! where url.pathExtension == "swift" {
            for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") where line.hasPrefix("import ") {
                found.append((url.lastPathComponent, String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces)))
            }
        }
        return found
    }

    @Test("every module under Sources/ has a row")
    func everyModule() throws {
        let rows = try Self.table()
        let modules = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Sources").path)
        for module in modules { #expect(rows[module] != nil, "\(module) is missing from docs/ARCHITECTURE.md") }
    }

    @Test("no file imports what its module's row does not allow")
    func imports() throws {
        let rows = try Self.table()
        for (module, allowed) in rows where !allowed.contains("everything above") {
            for (file, imported) in try Self.imports(of: module) where !Self.system.contains(imported) {
                #expect(allowed.contains(imported), "\(module)/\(file) imports \(imported), which its row does not allow")
            }
        }
    }

    @Test("the lines the design draws: Trading has no database or HTTP, the Supervisor no trading, client commands no Engine")
    func forbidden() throws {
        let trading = Set(try Self.imports(of: "Trading").map(\.module))
        #expect(trading.isDisjoint(with: ["GRDB", "PostgresNIO", "Hummingbird", "AsyncHTTPClient"]))
        #expect(Set(try Self.imports(of: "Supervisor").map(\.module)).isDisjoint(with: ["Trading", "Engine"]))
        for (file, imported) in try Self.imports(of: "WardenCLI") where ["Ctl.swift", "TradingCommand.swift", "TradesCommand.swift", "StrategiesCommand.swift"].contains(file) {
            #expect(!["Engine", "Supervisor"].contains(imported), "\(file) imports \(imported)")
        }
    }
}
