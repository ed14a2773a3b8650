import Foundation

/// Resolves `${env:NAME}`, `${file:PATH}` and `${credential:NAME}` references, so secrets never
/// sit in the configuration file in clear text.
public struct SecretResolver: Sendable {
    public var environment: [String: String]
    /// systemd's `$CREDENTIALS_DIRECTORY` (LoadCredential=/SetCredentialEncrypted=), if any.
    public var credentialsDirectory: String?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
        self.credentialsDirectory = environment["CREDENTIALS_DIRECTORY"]
    }

    /// A reference found in a value: `${source:argument}` and nothing else around it.
    public struct Reference: Hashable, Sendable, CustomStringConvertible {
        public var source: String
        public var argument: String
        public var description: String { "${\(source):\(argument)}" }

        public init?(parsing text: String) {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("${"), trimmed.hasSuffix("}"), let colon = trimmed.firstIndex(of: ":") else {
                return nil
            }
            source = String(trimmed[trimmed.index(trimmed.startIndex, offsetBy: 2)..<colon])
            argument = String(trimmed[trimmed.index(after: colon)..<trimmed.index(before: trimmed.endIndex)])
        }
    }

    /// The secret's value, or a message saying why it could not be had.
    public func resolve(_ reference: Reference) -> Result<String, SecretError> {
        guard !reference.argument.isEmpty else {
            return .failure(SecretError("\(reference) names nothing"))
        }
        switch reference.source {
        case "env":
            guard let value = environment[reference.argument] else {
                return .failure(SecretError("environment variable \(reference.argument) is not set (from \(reference))"))
            }
            return .success(value)
        case "file":
            return readFile(reference.argument, reference: reference)
        case "credential":
            guard let directory = credentialsDirectory else {
                return .failure(SecretError(
                    "\(reference) needs systemd credentials, but CREDENTIALS_DIRECTORY is not set (LoadCredential= in the unit)"))
            }
            guard !reference.argument.contains("/") else {
                return .failure(SecretError("credential names cannot contain '/': \(reference)"))
            }
            return readFile(directory + "/" + reference.argument, reference: reference)
        default:
            return .failure(SecretError(
                "unknown secret source '\(reference.source)'; use ${env:NAME}, ${file:PATH} or ${credential:NAME}"))
        }
    }

    private func readFile(_ path: String, reference: Reference) -> Result<String, SecretError> {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
            return .failure(SecretError("cannot read secret file \(path) (from \(reference)): \(reason)"))
        }
        guard var value = String(data: data, encoding: .utf8) else {
            return .failure(SecretError("secret file \(path) (from \(reference)) is not UTF-8 text"))
        }
        // Secret files usually end with a newline that is not part of the secret.
        while value.hasSuffix("\n") || value.hasSuffix("\r") { value.removeLast() }
        return .success(value)
    }
}

/// Why a secret reference could not be resolved.
public struct SecretError: Error, Sendable, CustomStringConvertible {
    public var message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
