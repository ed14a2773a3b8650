import Foundation

/// What an exchange refuses about an order, checked before it is sent (BingX's rules: quantity on
/// the step and at least the minimum, prices on the tick, value at least the minimum notional), so
/// a refusal costs no request and names its reason.
public enum VenueRules {
    public static func check(_ order: Order, _ instrument: Instrument) throws(VenueError) {
        if let quantity = order.quantity {
            guard instrument.isOnStep(quantity) else {
                throw VenueError(.invalidParameter, "quantity \(quantity) is not a multiple of the step \(instrument.stepSize) of \(instrument.symbol)", venueCode: PaperVenue.BingXCode.invalidParameter)
            }
            guard quantity >= instrument.minQuantity, quantity > 0 else {
                throw VenueError(.invalidParameter, "quantity \(quantity) is below the minimum \(instrument.minQuantity) of \(instrument.symbol)", venueCode: PaperVenue.BingXCode.invalidParameter)
            }
        }
        for price in [order.price, order.stopPrice].compactMap({ $0 }) where !instrument.isOnTick(price) {
            throw VenueError(.invalidParameter, "price \(price) is not a multiple of the tick \(instrument.tickSize) of \(instrument.symbol)", venueCode: PaperVenue.BingXCode.invalidParameter)
        }
        if order.type != .market, order.quantity == nil { throw VenueError(.invalidParameter, "a \(order.type.rawValue) order needs a quantity", venueCode: PaperVenue.BingXCode.invalidParameter) }
        if let quote = order.quoteQuantity, quote < instrument.minNotional {
            throw VenueError(.invalidParameter, "order value \(quote) is below the minimum notional \(instrument.minNotional) of \(instrument.symbol)", venueCode: PaperVenue.BingXCode.invalidParameter)
        }
        if let quantity = order.quantity, let price = order.price ?? order.stopPrice, quantity * price < instrument.minNotional {
            throw VenueError(.invalidParameter, "order value \(quantity * price) is below the minimum notional \(instrument.minNotional) of \(instrument.symbol)", venueCode: PaperVenue.BingXCode.invalidParameter)
        }
    }
}
