/// Why an account operation was refused, each with a message for the person who asked.
public enum AccountError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidName(String)
    case weakPassword(String)
    case duplicateUser(String)
    case unknownUser(String)
    case unknownKey(String)
    case invalidExpiry(String)
    case roleAboveOwner(key: Role, owner: Role)

    public var description: String {
        switch self {
        case .invalidName(let name):
            "'\(name)' is not a valid user name: use 1 to 64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit"
        case .weakPassword(let why): "password refused: \(why)"
        case .duplicateUser(let name): "a user named '\(name)' already exists"
        case .unknownUser(let name): "no user named '\(name)'"
        case .unknownKey(let prefix): "no API key with prefix '\(prefix)'"
        case .invalidExpiry(let why): "expiry refused: \(why)"
        case .roleAboveOwner(let key, let owner): "a key's role (\(key.rawValue)) cannot exceed its owner's (\(owner.rawValue))"
        }
    }
}
