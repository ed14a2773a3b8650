import Hummingbird

/// Endpoints whose work lands with later issues. They exist (so tools can discover them, and the
/// role check applies to them as to any route) and answer a documented 501 saying what is missing.
enum LaterRoutes {
    static var routes: [APIRoute] {
        [
            APIRoute(.post, "/backtests", role: .operator) { _, _ in throw APIError.notBuilt("running a backtest as a supervisor job (use `warden backtest`)") },
            APIRoute(.get, "/backtests", role: .viewer) { _, _ in throw APIError.notBuilt("backtest jobs") },
            APIRoute(.get, "/backtests/{id}", role: .viewer) { _, _ in throw APIError.notBuilt("backtest jobs") },
            APIRoute(.post, "/backtests/{id}/cancel", role: .operator) { _, _ in throw APIError.notBuilt("backtest jobs") },
            APIRoute(.get, "/analytics/performance", role: .viewer) { _, _ in throw APIError.notBuilt("performance analytics (the reports issue)") },
            APIRoute(.get, "/analytics/risk", role: .viewer) { _, _ in throw APIError.notBuilt("risk analytics (the portfolio and risk issue)") },
            APIRoute(.get, "/reports/{period}", role: .viewer) { _, _ in throw APIError.notBuilt("daily, weekly and monthly reports (the reports issue)") },
        ]
    }
}
