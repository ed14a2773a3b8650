/// Each route's description for the OpenAPI document: what it does, its parameters, its body,
/// and its answers. `OpenAPITests` checks this table and the route table name the same endpoints.
struct OperationSpec: Sendable {
    var summary: String
    var tag: String
    var query: [(String, JSONValue, String)] = []
    /// Schemas of path parameters that are not plain text.
    var path: [String: JSONValue] = [:]
    var body: String?
    /// Status → schema name (nil: no body described).
    var responses: [(Int, String?)]
    /// Statuses with the error body, besides the ones every protected route has (401, 403, 429).
    var errors: [Int] = []
}

enum Operations {
    /// Epoch milliseconds, 1970 to 2100.
    static let time: JSONValue = ["type": "integer", "minimum": .number(Double(APIError.times.lowerBound)), "maximum": .number(Double(APIError.times.upperBound))]
    static let history: [(String, JSONValue, String)] = [
        ("market", Schemas.string, "Only this market (BTCUSDT)."), ("strategy", Schemas.string, "Only this strategy."),
        ("from", time, "From this time, epoch milliseconds, inclusive."), ("to", time, "Up to this time, epoch milliseconds, inclusive."),
        ("limit", ["type": "integer", "minimum": 1, "maximum": 1000], "Items per page (default 100)."),
        ("cursor", ["type": "integer", "minimum": 0, "maximum": 2_147_483_647], "The next_cursor of the previous page."),
    ]
    static let market: [(String, JSONValue, String)] = [("market", Schemas.string, "Only the slot on this market (default: every market the strategy runs on).")]

    static let range: [(String, JSONValue, String)] = [
        ("from", time, "From this time, epoch milliseconds, inclusive."), ("to", time, "Up to this time, epoch milliseconds, inclusive."),
    ]

    static let backtestID: JSONValue = ["type": "string", "pattern": "^bt-[0-9a-f]{16}$"]

    static let all: [String: OperationSpec] = [
        "POST /auth/login": OperationSpec(summary: "Log in with a user name and password", tag: "auth", body: "Login", responses: [(200, "Tokens")], errors: [400, 401, 403, 415]),
        "POST /auth/refresh": OperationSpec(summary: "Swap a refresh token for new tokens (the old one is spent)", tag: "auth", body: "RefreshRequest", responses: [(200, "Tokens")], errors: [400, 401, 403, 415]),
        "POST /auth/logout": OperationSpec(summary: "Revoke a refresh token and its family", tag: "auth", body: "RefreshRequest", responses: [(200, "Done")], errors: [400, 404, 415]),
        "GET /auth/me": OperationSpec(summary: "Who the credential belongs to", tag: "auth", responses: [(200, "Me")]),
        "GET /users": OperationSpec(summary: "List users", tag: "users", responses: [(200, "UserList")]),
        "POST /users": OperationSpec(summary: "Add a user", tag: "users", body: "NewUser", responses: [(201, "User")], errors: [400, 409, 415]),
        "POST /users/{name}/disable": OperationSpec(summary: "Disable a user, ending their sessions and keys", tag: "users", responses: [(200, "Done")], errors: [404, 409]),
        "GET /keys": OperationSpec(summary: "List API keys (never their secrets)", tag: "keys", responses: [(200, "APIKeyList")]),
        "POST /keys": OperationSpec(summary: "Make an API key for yourself; its text is shown once", tag: "keys", body: "NewKey", responses: [(201, "CreatedKey")], errors: [400, 415]),
        "DELETE /keys/{prefix}": OperationSpec(summary: "Revoke an API key", tag: "keys", responses: [(200, "Done")], errors: [404]),
        "GET /trading/status": OperationSpec(summary: "The engine's state", tag: "trading", responses: [(200, "TradingReply")], errors: [503]),
        "POST /trading/stop": OperationSpec(summary: "Pause new entries (exits and stops still run)", tag: "trading", responses: [(200, "TradingReply")], errors: [409, 503]),
        "POST /trading/start": OperationSpec(summary: "Resume entries", tag: "trading", responses: [(200, "TradingReply")], errors: [409, 503]),
        "GET /trading/portfolio": OperationSpec(summary: "Equity, positions and exposure", tag: "trading", responses: [(200, "Portfolio")], errors: [503]),
        "GET /trading/positions": OperationSpec(summary: "Open positions per strategy slot", tag: "trading", responses: [(200, "PositionList")]),
        "GET /trading/orders": OperationSpec(summary: "Orders that may still be open on the venue", tag: "trading", responses: [(200, "OpenOrders")], errors: [503]),
        "POST /trading/orders": OperationSpec(summary: "Place a manual order", tag: "trading", body: "ManualOrder", responses: [(201, "OrderReply"), (409, "OrderRefusal")], errors: [400, 415, 503]),
        "POST /trading/orders/{id}/cancel": OperationSpec(summary: "Cancel an open order by its client order id", tag: "trading", responses: [(200, "OrderReply"), (409, "OrderRefusal")], errors: [503]),
        "GET /trading/fills": OperationSpec(summary: "Fills, oldest first, filtered and paged", tag: "trading", query: history, responses: [(200, "FillPage")], errors: [400]),
        "GET /trading/trades": OperationSpec(summary: "Round-trip trades, by entry time, filtered and paged", tag: "trading", query: history, responses: [(200, "TradePage")], errors: [400]),
        "GET /strategies": OperationSpec(summary: "Strategy slots with parameters and bounds", tag: "strategies", responses: [(200, "StrategiesReply")], errors: [503]),
        "POST /strategies": OperationSpec(
            summary: "Run a strategy on markets it does not run on yet (applied and journaled at the next bar; kept across restarts)", tag: "strategies",
            body: "NewStrategy", responses: [(202, "StrategiesReply")], errors: [400, 409, 415, 503]),
        "DELETE /strategies/{name}": OperationSpec(
            summary: "Archive a strategy: deactivated and out of the equity shares (its open position still exits); activate brings it back", tag: "strategies",
            query: market, responses: [(200, "StrategiesReply")], errors: [409, 503]),
        "POST /strategies/{name}/activate": OperationSpec(summary: "Activate a strategy", tag: "strategies", query: market, responses: [(200, "StrategiesReply")], errors: [409, 503]),
        "POST /strategies/{name}/deactivate": OperationSpec(summary: "Deactivate a strategy (its position is closed by its own exit)", tag: "strategies", query: market, responses: [(200, "StrategiesReply")], errors: [409, 503]),
        "PUT /strategies/{name}/parameters": OperationSpec(summary: "Change parameters within their bounds", tag: "strategies", query: market, body: "Parameters", responses: [(200, "StrategiesReply")], errors: [400, 409, 415, 503]),
        "POST /strategies/{name}/optimise": OperationSpec(
            summary: "Optimise a strategy's parameters as a supervisor job (warden optimize); its progress and report are read at /backtests/{id}", tag: "strategies",
            body: "NewOptimisation", responses: [(202, "BacktestJob")], errors: [400, 404, 409, 415, 503]),
        "GET /notifications": OperationSpec(summary: "Alert history", tag: "notifications", query: [("state", ["type": "string", "enum": ["firing", "pending", "resolved"]], "Only alerts in this state.")], responses: [(200, "AlertList")], errors: [400]),
        "POST /notifications/{id}/read": OperationSpec(summary: "Acknowledge an alert in your name", tag: "notifications", body: "Acknowledge", responses: [(200, "Alert")], errors: [400, 404, 415]),
        "GET /notifications/silences": OperationSpec(summary: "Active silences", tag: "notifications", responses: [(200, "SilenceList")]),
        "POST /notifications/silences": OperationSpec(
            summary: "Silence alerts matching every matcher for a while, with a comment, in your name", tag: "notifications", body: "NewSilence",
            responses: [(201, "Silence")], errors: [400, 415]),
        "DELETE /notifications/silences/{id}": OperationSpec(summary: "End a silence now", tag: "notifications", responses: [(200, "Done")], errors: [404]),
        "GET /notifications/notices": OperationSpec(
            summary: "Operator notices (halts, fail-closed, external orders, blocked addresses, pauses), newest first, with who read each", tag: "notifications",
            query: [("limit", ["type": "integer", "minimum": 1, "maximum": 1000], "Items per page (default 100)."),
                    ("cursor", ["type": "integer", "minimum": 0, "maximum": 2_147_483_647], "The next_cursor of the previous page.")],
            responses: [(200, "NoticePage")], errors: [400]),
        "POST /notifications/notices/{id}/read": OperationSpec(
            summary: "Mark a notice read in your name", tag: "notifications", path: ["id": ["type": "integer", "minimum": 1, "maximum": 9_007_199_254_740_991]], responses: [(200, "Notice")],
            errors: [400, 404, 409]),
        "GET /monitoring/system": OperationSpec(summary: "The supervisor's children and jobs, the database", tag: "monitoring", responses: [(200, "System")]),
        "GET /monitoring/trading": OperationSpec(summary: "The engine's state, open orders and positions", tag: "monitoring", responses: [(200, "TradingView")]),
        "GET /operations/backups": OperationSpec(summary: "Recent backups", tag: "operations", responses: [(200, "BackupList")]),
        "POST /operations/backups": OperationSpec(summary: "Back up now (a supervisor job)", tag: "operations", responses: [(202, "ControlReply"), (409, "ControlReply")], errors: [503]),
        "GET /operations/maintenance": OperationSpec(summary: "Database maintenance runs (vacuum, analyse, integrity, retention), newest first", tag: "operations", responses: [(200, "MaintenanceRunList")]),
        "GET /operations/runbooks": OperationSpec(summary: "The runbooks a recovery may run, with what each needs", tag: "operations", responses: [(200, "RunbookList")]),
        "GET /operations/recovery": OperationSpec(summary: "Recovery runs (runbooks run by people and by the supervisor), newest first", tag: "operations", responses: [(200, "RecoveryRunList")]),
        "POST /operations/recovery": OperationSpec(
            summary: "Run a runbook as a supervisor job (destructive steps need confirm_destructive)", tag: "operations", body: "StartRecovery",
            responses: [(202, "ControlReply"), (409, "ControlRefusal")], errors: [400, 415, 503]),
        "GET /operations/deployments": OperationSpec(summary: "Deploys and rollbacks, newest first", tag: "operations", responses: [(200, "DeploymentList")]),
        "POST /operations/deployments": OperationSpec(summary: "Deploy a release (not from the API: run warden deploy on the host)", tag: "operations", responses: [], errors: [501]),
        "GET /analytics/performance": OperationSpec(
            summary: "Returns, Sharpe, Sortino, drawdown of the equity curve; win rate, profit factor per strategy and market", tag: "analytics",
            query: range + [("returns_every_ms", ["type": "integer", "minimum": 60_000, "maximum": 31_622_400_000], "Period of the returns Sharpe and Sortino use (default a day).")],
            responses: [(200, "Performance")], errors: [400]),
        "GET /analytics/risk": OperationSpec(summary: "Exposure, drawdown, daily loss and how close each is to its limit", tag: "analytics", responses: [(200, "Risk")]),
        "GET /reports/{period}": OperationSpec(
            summary: "Daily, weekly or monthly rows (UTC); CSV with Accept: text/csv", tag: "reports", query: range,
            path: ["period": ["type": "string", "enum": ["daily", "weekly", "monthly"]]], responses: [(200, "PeriodRowList")], errors: [400]),
        "GET /operations/performance": OperationSpec(
            summary: "The equity curve (at most `points` points) and its performance", tag: "operations",
            query: range + [("points", ["type": "integer", "minimum": 2, "maximum": 10_000], "Most points to return (default 500).")],
            responses: [(200, "EquityCurve")], errors: [400]),
        "POST /backtests": OperationSpec(
            summary: "Run a backtest as a supervisor job over the engine's candle files; answers its id at once", tag: "backtests", body: "NewBacktest",
            responses: [(202, "BacktestJob")], errors: [400, 409, 415, 503]),
        "GET /backtests": OperationSpec(summary: "Backtest jobs, newest first", tag: "backtests", responses: [(200, "BacktestJobList")]),
        "GET /backtests/{id}": OperationSpec(summary: "A backtest's progress, and its result once done", tag: "backtests", path: ["id": backtestID], responses: [(200, "BacktestJob")], errors: [404]),
        "POST /backtests/{id}/cancel": OperationSpec(summary: "Cancel a queued or running backtest", tag: "backtests", path: ["id": backtestID], responses: [(202, "BacktestJob")], errors: [404, 409]),
        "GET /markets": OperationSpec(summary: "The markets the engine trades, with the strategies on each", tag: "markets", responses: [(200, "MarketList")]),
        "GET /markets/{market}/candles": OperationSpec(
            summary: "A window of stored candles with each strategy's indicators over it and the trades that touch it", tag: "markets",
            query: [("limit", ["type": "integer", "minimum": 2, "maximum": 2000], "Candles in the window (default 300)."),
                    ("to", time, "The window ends at this time (default: the latest candle); `earlier` of a window is the `to` of the one before.")],
            responses: [(200, "Chart")], errors: [400, 404]),
        "GET /openapi.json": OperationSpec(summary: "This document", tag: "meta", responses: [(200, nil)]),
        "GET /docs": OperationSpec(summary: "A readable reference of this document", tag: "meta", responses: [(200, nil)]),
    ]

    static let lists: [String: String] = [
        "UserList": "User", "APIKeyList": "APIKey", "PositionList": "Position", "AlertList": "Alert", "BackupList": "Backup", "PeriodRowList": "PeriodRow", "BacktestJobList": "BacktestJob", "MarketList": "Market", "RecoveryRunList": "RecoveryRun", "RunbookList": "Runbook", "MaintenanceRunList": "MaintenanceRun", "SilenceList": "Silence", "DeploymentList": "Deployment",
    ]
}
