import Foundation

/// Where an order is in its life. `unknown` is an outcome not known yet (a timeout after sending):
/// it is resolved by asking the venue, never by sending again.
public enum OrderStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case new, submitted, accepted
    case partiallyFilled = "partially_filled"
    case filled, cancelled, rejected, expired, unknown

    public var isTerminal: Bool {
        switch self {
        case .filled, .cancelled, .rejected, .expired: true
        default: false
        }
    }

    /// Still able to fill: the venue may hold it.
    public var isOpen: Bool {
        switch self {
        case .submitted, .accepted, .partiallyFilled, .unknown: true
        default: false
        }
    }
}

/// What happens to an order; `OrderLifecycle` says which are legal where.
public enum OrderEvent: Sendable, Hashable {
    case send
    case accept
    case fill(Decimal)
    case cancel
    case reject(String)
    case expire
    /// The venue did not answer in time: the order may or may not exist.
    case lose
}

/// The order state machine: pure, and strict — an illegal transition is an error, never a silent
/// overwrite, so a late or duplicated report cannot resurrect a filled order.
public struct OrderLifecycle: Sendable, Hashable, Codable {
    public private(set) var status: OrderStatus
    public let quantity: Decimal?
    public private(set) var filled: Decimal
    public private(set) var rejection: String?

    public init(quantity: Decimal?, status: OrderStatus = .new, filled: Decimal = 0) {
        self.quantity = quantity
        self.status = status
        self.filled = filled
    }

    public struct IllegalTransition: Error, CustomStringConvertible, Equatable {
        public var from: OrderStatus
        public var event: String
        public var description: String { "an order that is \(from.rawValue) cannot \(event)" }
    }

    public mutating func apply(_ event: OrderEvent) throws(IllegalTransition) {
        let next: OrderStatus?
        switch (status, event) {
        case (.new, .send): next = .submitted
        case (.submitted, .accept), (.unknown, .accept): next = .accepted
        case (.submitted, .fill(let q)), (.accepted, .fill(let q)), (.partiallyFilled, .fill(let q)), (.unknown, .fill(let q)):
            next = try afterFill(q, event: event)
        case (.submitted, .cancel), (.accepted, .cancel), (.partiallyFilled, .cancel), (.unknown, .cancel): next = .cancelled
        case (.submitted, .reject(let why)), (.unknown, .reject(let why)):
            rejection = why
            next = .rejected
        case (.submitted, .expire), (.accepted, .expire), (.partiallyFilled, .expire), (.unknown, .expire): next = .expired
        case (.submitted, .lose), (.accepted, .lose), (.partiallyFilled, .lose): next = .unknown
        default: next = nil
        }
        guard let next else { throw IllegalTransition(from: status, event: Self.verb(event)) }
        status = next
    }

    private mutating func afterFill(_ quantity: Decimal, event: OrderEvent) throws(IllegalTransition) -> OrderStatus {
        guard quantity > 0 else { throw IllegalTransition(from: status, event: "fill a quantity of \(quantity)") }
        let total = filled + quantity
        if let ordered = self.quantity, total > ordered {
            throw IllegalTransition(from: status, event: "fill \(total) of \(ordered) ordered")
        }
        filled = total
        // A quote-amount order's final quantity is known only to the venue: one fill completes it.
        guard let ordered = self.quantity else { return .filled }
        return total == ordered ? .filled : .partiallyFilled
    }

    static func verb(_ event: OrderEvent) -> String {
        switch event {
        case .send: "be sent"
        case .accept: "be accepted"
        case .fill(let q): "fill \(q)"
        case .cancel: "be cancelled"
        case .reject: "be rejected"
        case .expire: "expire"
        case .lose: "become unknown"
        }
    }
}
