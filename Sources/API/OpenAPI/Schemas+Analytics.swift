import Backtest
import Trading

/// Schemas of the analytics, reports and backtest answers.
extension Schemas {
    static let tradeFigures = object(
        ["count": integer, "closed": integer, "wins": integer, "win_rate": number, "profit_factor": number, "net_profit": number, "fees": number],
        required: ["count", "closed", "wins", "net_profit", "fees"], open: false)

    static let analytics: [String: JSONValue] = [
        "TradeFigures": tradeFigures,
        "Performance": object(
            ["from": integer, "to": integer, "returns_every_ms": integer, "starting_equity": number, "final_equity": number, "total_return": number,
             "max_drawdown": number, "sharpe": number, "sortino": number, "periods": integer, "trades": ref("TradeFigures"),
             "by_strategy": ["type": "object", "additionalProperties": ref("TradeFigures")],
             "by_market": ["type": "object", "additionalProperties": ref("TradeFigures")],
             "by_slot": ["type": "object", "additionalProperties": ref("TradeFigures")]],
            required: ["returns_every_ms", "starting_equity", "final_equity", "total_return", "max_drawdown", "periods", "trades", "by_strategy", "by_market", "by_slot"],
            open: false),
        "EquityPoint": object(["time": integer, "equity": number, "cash": number, "drawdown": number], required: ["time", "equity", "cash", "drawdown"], open: false),
        "EquityCurve": object(
            ["from": integer, "to": integer, "every": integer, "points": array(ref("EquityPoint")), "performance": ref("Performance")],
            required: ["every", "points", "performance"], open: false),
        "Risk": object(
            ["state": string, "reason": string, "engine_error": string, "equity": number, "peak_equity": number, "drawdown": number,
             "daily_loss": number, "exposure": number, "largest_position": number, "stop_loss_atr": number, "take_profit_atr": number,
             "limits": array(object(["name": string, "limit": number, "current": number, "used": number], required: ["name", "current"], open: false))],
            required: ["drawdown", "daily_loss", "exposure", "largest_position", "limits"], open: false),
        "PeriodRow": object(
            ["period": string, "start": integer, "end": integer, "opening_equity": number, "closing_equity": number, "return": number, "pnl": number,
             "max_drawdown": number, "trades": ref("TradeFigures"), "volume": number],
            required: ["period", "start", "end", "opening_equity", "closing_equity", "return", "pnl", "max_drawdown", "trades", "volume"], open: false),
        "Notice": object(
            ["id": integer, "time": integer, "kind": string, "actor": string, "target": string, "detail": string, "read_by": string, "read_at": integer],
            required: ["id", "time", "kind", "actor"], open: false),
        "NoticePage": page("Notice"),
        "Market": object(["symbol": string, "strategies": array(string)], required: ["symbol", "strategies"], open: false),
        "Chart": object(
            ["market": string,
             "candles": array(object(["time": integer, "open": number, "high": number, "low": number, "close": number, "volume": number],
                                     required: ["time", "open", "high", "low", "close", "volume"], open: false)),
             "indicators": array(object(["strategy": string, "name": string, "pane": ["type": "string", "enum": ["price", "oscillator"]],
                                         "values": array(optionalNumber)], required: ["strategy", "name", "pane", "values"], open: false)),
             "trades": array(object(["strategy": string, "entry_time": integer, "entry_price": number, "exit_time": integer, "exit_price": number, "pnl": number],
                                    required: ["strategy", "entry_time", "entry_price", "pnl"], open: false)),
             "earlier": integer],
            required: ["market", "candles", "indicators", "trades"], open: false),
        "ControlRefusal": ["anyOf": [ref("ControlReply"), ref("Error")]],
        "StartRecovery": object(
            ["runbook": string, "parameters": ["type": "object", "additionalProperties": string], "dry_run": boolean, "confirm_destructive": boolean],
            required: ["runbook"]),
        "Silence": object(
            ["id": string, "matchers": array(string), "starts_at": integer, "ends_at": integer, "created_by": string, "comment": string],
            required: ["id", "matchers", "starts_at", "ends_at", "created_by", "comment"], open: false),
        "NewSilence": object(
            ["matchers": ["type": "array", "items": string, "minItems": 1], "duration_minutes": ["type": "integer", "minimum": 1, "maximum": 43_200],
             "comment": ["type": "string", "minLength": 1, "maxLength": 1000]],
            required: ["matchers", "duration_minutes", "comment"]),
        "MaintenanceRun": object(
            ["id": integer, "task": string, "started_at": integer, "finished_at": integer, "outcome": string, "detail": string],
            required: ["id", "task", "started_at"], open: false),
        "Runbook": object(
            ["name": string, "title": string, "destructive": boolean, "needs": array(string)], required: ["name", "title", "destructive", "needs"], open: false),
        "RecoveryRun": object(
            ["id": string, "runbook": string, "actor": string, "mode": string, "trigger": string, "started_at": integer, "finished_at": integer, "outcome": string],
            required: ["id", "runbook", "actor", "mode", "trigger", "started_at", "outcome"], open: false),
        "Deployment": object(
            ["id": string, "started_at": integer, "finished_at": integer, "actor": string, "from_release": string, "to_release": string, "outcome": string,
             "reason": string],
            required: ["id", "started_at", "finished_at", "actor", "to_release", "outcome"], open: false),
        "NewBacktest": object(
            ["strategies": ["type": "array", "items": ["type": "string", "enum": .array(StrategyRegistry.names.map(JSONValue.string))], "minItems": 1, "uniqueItems": true], "markets": ["type": "array", "items": string, "minItems": 1],
             "parameters": ["type": "object", "additionalProperties": ["type": "object", "additionalProperties": number]],
             "from": integer, "to": integer, "fee": ["type": "number", "minimum": 0, "exclusiveMaximum": .number(0.5)],
             "slippage_bps": ["type": "number", "minimum": 0, "exclusiveMaximum": 5000], "cash": ["type": "number", "exclusiveMinimum": 0]],
            required: ["strategies"]),
        "NewOptimisation": object(
            ["method": ["type": "string", "enum": ["grid", "random", "ga", "bayes"]],
             "search": ["type": "object", "minProperties": 1, "additionalProperties": object(["low": number, "high": number, "step": ["type": "number", "exclusiveMinimum": 0]], required: [])],
             "set": ["type": "object", "additionalProperties": number],
             "objective": ["type": "string", "enum": .array(Objective.allCases.map { JSONValue.string($0.rawValue) })],
             "trials": ["type": "integer", "minimum": 1, "maximum": 100_000], "population": ["type": "integer", "minimum": 4, "maximum": 10_000],
             "generations": ["type": "integer", "minimum": 1, "maximum": 10_000], "seed": ["type": "integer", "minimum": 0],
             "min_trades": ["type": "integer", "minimum": 0, "maximum": 1_000_000], "walk_forward": ["type": "string", "examples": ["train=90d,test=30d"]],
             "markets": ["type": "array", "items": string, "minItems": 1], "from": integer, "to": integer,
             "fee": ["type": "number", "minimum": 0, "exclusiveMaximum": .number(0.5)], "slippage_bps": ["type": "number", "minimum": 0, "exclusiveMaximum": 5000],
             "cash": ["type": "number", "exclusiveMinimum": 0]],
            required: ["method", "search"]),
        "BacktestJob": object(
            ["id": string, "state": ["type": "string", "enum": ["queued", "running", "done", "failed", "cancelled"]], "fraction": number,
             "request": ["type": "object"], "started_at": integer, "finished_at": integer, "error": string,
             "summary": ["type": "object", "additionalProperties": number], "result": ["type": "object"]],
            required: ["id", "state", "fraction", "request"], open: false),
    ]
}
