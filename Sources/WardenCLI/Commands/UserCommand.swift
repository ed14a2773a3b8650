import Accounts
import ArgumentParser
import Foundation
import Logging
import Storage
import WardenCore

/// Runs `body` with the account store on the (migrated) database; account refusals exit 64 with their words.
func withAccounts<T: Sendable>(_ options: CommonOptions, _ body: @escaping @Sendable (AccountStore) async throws -> T) async throws -> T {
    let (location, _) = try await options.migratedDatabase()
    do {
        return try await DatabaseHandle.with(location, logger: Logger(label: "warden.cli")) { handle in
            try await body(AccountStore(handle: handle, logger: Logger(label: "warden.cli")))
        }
    } catch let error as AccountError {
        throw fail(WardenError(.usage, error.description))
    } catch let error as WardenError {
        throw fail(error)
    }
}

/// Who acts from the host: the login name, so the audit log says which person ran the command.
func hostActor() -> String {
    let user = ProcessInfo.processInfo.environment["SUDO_USER"] ?? ProcessInfo.processInfo.environment["USER"] ?? "root"
    return "host:\(user)"
}

/// One line from standard input, without echo when it is a terminal.
func readSecretLine(prompt: String) throws -> String {
    let terminal = isatty(STDIN_FILENO) == 1
    var saved = termios()
    if terminal {
        FileHandle.standardError.write(Data(prompt.utf8))
        tcgetattr(STDIN_FILENO, &saved)
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
    }
    defer {
        if terminal {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
    }
    guard let line = readLine(strippingNewline: true) else {
        throw fail(WardenError(.usage, "no password on standard input (one line)"))
    }
    return line
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "People who may use the API and the dashboard: add, change a password, disable, list.",
        subcommands: [Add.self, Passwd.self, Disable.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user; the password is read from standard input (one line, not echoed on a terminal).",
            discussion: "Roles: viewer (reads), operator (trading, strategies, backtests, acknowledgements), admin (users, keys, operations).")
        @Argument(help: "The user's name.") var name: String
        @Option(help: "viewer, operator or admin.") var role: Role
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let password = try readSecretLine(prompt: "password for \(name): ")
            let (name, role) = (self.name, self.role)
            let user = try await withAccounts(options) { try await $0.addUser(name: name, password: password, role: role, actor: hostActor()) }
            print("added \(user.name) (\(user.role.rawValue))")
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a user's password (from standard input); their sessions end.")
        @Argument(help: "The user's name.") var name: String
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let password = try readSecretLine(prompt: "new password for \(name): ")
            let name = self.name
            try await withAccounts(options) { try await $0.setPassword(name: name, password: password, actor: hostActor()) }
            print("password changed for \(name); their refresh tokens are revoked")
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a user: no login, sessions and API keys revoked (kept for the audit log).")
        @Argument(help: "The user's name.") var name: String
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let name = self.name
            try await withAccounts(options) { try await $0.disable(name: name, actor: hostActor()) }
            print("disabled \(name)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let users = try await withAccounts(options) { try await $0.users() }
            if json { return try printJSON(users) }
            if users.isEmpty { print("no users yet: warden user add NAME --role admin") }
            for user in users {
                print("\(user.name)\t\(user.role.rawValue)\(user.disabled ? "\tdisabled" : "")")
            }
        }
    }
}

extension Role: ExpressibleByArgument {}

struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikey", abstract: "API keys for tools: create (shown once), list, revoke.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a key for a user; its text is printed once and stored only as a hash.")
        @Option(help: "The user the key acts as.") var user: String
        @Option(help: "What the key is for (shown in listings).") var name: String
        @Option(help: "viewer, operator or admin; at most the user's own role.") var role: Role
        @Option(help: "Days until it expires (default: never).") var days: Int?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var options: CommonOptions

        func validate() throws {
            if let days, days < 1 { throw ValidationError("--days must be 1 or more") }
        }

        func run() async throws {
            let (user, name, role) = (self.user, self.name, self.role)
            let expires = days.map { Int64(Date().timeIntervalSince1970 * 1000) + Int64($0) * 86_400_000 }
            let made = try await withAccounts(options) { try await $0.createKey(owner: user, name: name, role: role, expiresAt: expires, actor: hostActor()) }
            if json {
                struct Made: Encodable { var key: String; var record: APIKeyRecord }
                return try printJSON(Made(key: made.key, record: made.record))
            }
            print(made.key)
            printError("key \(made.record.prefix) for \(user) (\(role.rawValue)); this is the only time it is shown")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (prefix, owner, role, state); never their secrets.")
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let keys = try await withAccounts(options) { try await $0.keys() }
            if json { return try printJSON(keys) }
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            for key in keys {
                let state = key.revokedAt != nil ? "revoked" : key.active(at: now) ? "active" : "expired"
                print("\(key.prefix)\t\(key.owner)\t\(key.role.rawValue)\t\(state)\t\(key.name)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by its prefix; it stops working at once.")
        @Argument(help: "The key's prefix (the part after wdn_).") var prefix: String
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let prefix = self.prefix
            try await withAccounts(options) { try await $0.revokeKey(prefix: prefix, actor: hostActor()) }
            print("revoked \(prefix)")
        }
    }
}
