"""The fake BingX's USDT-M perpetual swap REST side (bingx.py --market swap), strict where BingX
documents it (docs/bingx/swap-api-notes.md names the sources).

One contract, BTC-USDT (price precision 1, quantity precision 4, minimum 0.0001 and 2 USDT), a
USDT wallet of 10,000, leverage 2 (the margin an open position uses is half its value), taker fee
0.05 % in USDT. The account is in one-way mode unless $FAKE_BINGX_HEDGED is set: one-way orders
must say positionSide=BOTH, and a sell that is not reduceOnly=true is refused here (Warden never
opens a short; a fake that allowed it would hide the mistake); hedge-mode orders must say LONG and
carry no reduceOnly. A reduce-only sell larger than the position is refused (101290). MARKET fills
at once at the last close; LIMIT rests until a closed bar crosses it; STOP_MARKET (a sell) rests
until a closed bar's low reaches its stop price and fills there. The placement answer echoes the
request (no status, no fill), as BingX's does: the fill is read by asking.

The user stream pushes ORDER_TRADE_UPDATE for each order change but, as BingX is reported to do
(BingX-API/BingX-swap-api-doc issue 36), none for a stop it triggered; an ACCOUNT_UPDATE follows
every change of the position.

Control (besides bingx.py's): POST /_control/position {"BTC-USDT": "0.5"} sets the position
behind the client's back.
"""
import math, os, time
import __main__ as fake

SYMBOL = {"contractId": "100", "symbol": "BTC-USDT", "quantityPrecision": 4, "pricePrecision": 1, "tradeMinQuantity": 0.0001,
          "tradeMinUSDT": 2, "status": 1, "apiStateOpen": "true", "apiStateClose": "true", "currency": "USDT", "asset": "BTC",
          "feeRate": 0.0005, "takerFeeRate": 0.0005, "makerFeeRate": 0.0002}
STEP, TICK, FEE, LEVERAGE = 0.0001, 0.1, 0.0005, 2
HEDGED = bool(os.environ.get("FAKE_BINGX_HEDGED"))
account = {"wallet": 10000.0, "position": 0.0, "entry": 0.0, "realised": 0.0, "changed": False}


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))


def used_margin():
    return account["position"] * account["entry"] / LEVERAGE


def available():
    return account["wallet"] - used_margin()


def order_view(o):
    return {"symbol": o["symbol"], "orderId": o["orderId"], "side": o["side"], "positionSide": o["positionSide"], "type": o["type"],
            "origQty": fake.fmt(o["qty"]), "price": fake.fmt(o["price"]), "executedQty": fake.fmt(o["filled"]),
            "avgPrice": fake.fmt(o["quote"] / o["filled"]) if o["filled"] else "0.0", "cumQuote": fake.fmt(o["quote"]),
            "stopPrice": fake.fmt(o["stop"]) if o["stop"] else "", "profit": "0.0000", "commission": fake.fmt(-o["fee"]),
            "status": o["status"], "time": o["time"], "updateTime": o["update"], "clientOrderId": o["client"], "reduceOnly": o["reduce"],
            "workingType": "MARK_PRICE", "leverage": f"{LEVERAGE}X"}


def fill(o, qty, price):
    """One trade of order o: the position and the wallet move (realised profit and the fee)."""
    fee = qty * price * FEE
    if o["side"] == "BUY":
        total = account["position"] + qty
        account["entry"] = (account["entry"] * account["position"] + price * qty) / total
        account["position"] = total
    else:
        profit = (price - account["entry"]) * qty
        account["wallet"] += profit; account["realised"] += profit
        account["position"] = max(0.0, account["position"] - qty)
        if account["position"] < STEP / 2: account["position"], account["entry"] = 0.0, 0.0
    account["wallet"] -= fee
    account["changed"] = True
    o["filled"] += qty; o["quote"] += qty * price; o["fee"] += fee
    o["update"] = int(time.time() * 1000)
    o["status"] = "FILLED" if o["filled"] >= o["qty"] - 1e-12 else "PARTIALLY_FILLED"
    fake.state["trades"].append({"tradeId": str(fake.state["next_trade"]), "orderId": str(o["orderId"]), "symbol": o["symbol"],
                                 "filledTm": iso(o["update"]), "time": o["update"], "volume": fake.fmt(qty), "price": fake.fmt(price),
                                 "amount": fake.fmt(qty * price), "qty": fake.fmt(qty * price), "quoteQty": fake.fmt(qty * price),
                                 "commission": fake.fmt(-fee), "commissionAsset": "USDT", "side": o["side"].lower(),
                                 "positionSide": o["positionSide"].lower(), "role": "taker"})
    fake.state["next_trade"] += 1


def on_step(x, step):
    return abs(round(x / step) * step - x) < 1e-9


def place(p):
    for key in ("symbol", "side", "type", "positionSide"):
        if key not in p: return 80014, f"{key} is required", None
    if p["symbol"] != SYMBOL["symbol"]: return 80014, "symbol does not exist", None
    side, kind, position_side = p["side"], p["type"], p["positionSide"]
    if not HEDGED and position_side != "BOTH": return 109400, "In the One-way mode, the 'PositionSide' field can only be set to BOTH", None
    if HEDGED and position_side not in ("LONG", "SHORT"): return 109400, "In the Hedge mode, the 'PositionSide' field can only be set to LONG or SHORT", None
    if HEDGED and "reduceOnly" in p: return 80014, "reduceOnly is not accepted in the Hedge mode", None
    if HEDGED and position_side == "SHORT": return 80014, "this fake holds long positions only", None
    reduce = p.get("reduceOnly") == "true" or (HEDGED and side == "SELL")
    if side == "SELL" and not reduce: return 80014, "a sell here must be reduceOnly=true (it would open a short)", None
    client = p.get("clientOrderID", "").lower()
    if not client or len(client) > 40: return 80014, "clientOrderID: 1 to 40 characters", None
    if client in fake.state["by_client"]: return 101481, "clientOrderID cannot be repeated", None
    if "quantity" not in p: return 80014, "quantity is required", None
    qty = float(p["quantity"])
    if not on_step(qty, STEP) or qty < SYMBOL["tradeMinQuantity"]: return 80014, "quantity precision is 4 decimals, at least 0.0001", None
    price, stop = fake.last_price(), 0.0
    if kind == "LIMIT":
        if "price" not in p: return 80014, "price is required for LIMIT", None
        price = float(p["price"])
        if not on_step(price, TICK): return 80014, "price precision is 1 decimal", None
    elif kind == "STOP_MARKET":
        if "stopPrice" not in p: return 80014, "stopPrice is required for STOP_MARKET", None
        stop = float(p["stopPrice"])
        if not on_step(stop, TICK): return 80014, "stopPrice precision is 1 decimal", None
        if side != "SELL" or stop >= price: return 80014, "this fake serves sell stops below the price", None
    elif kind != "MARKET":
        return 80014, f"type {kind} is not served by this fake", None
    if qty * (stop or price) < SYMBOL["tradeMinUSDT"]: return 101400, "the minimum nominal value of an order is 2 USDT", None
    if reduce and qty > account["position"] + 1e-12 and kind != "STOP_MARKET":
        return 101290, "Reduce Only order would increase the position", None
    if side == "BUY" and qty * price / LEVERAGE > available(): return 101204, "Insufficient margin", None
    now = int(time.time() * 1000)
    o = {"symbol": p["symbol"], "orderId": fake.state["next_order"], "side": side, "type": kind, "positionSide": position_side, "qty": qty,
         "price": price if kind == "LIMIT" else 0.0, "stop": stop, "filled": 0.0, "quote": 0.0, "fee": 0.0, "status": "NEW", "client": client,
         "reduce": reduce, "time": now, "update": now, "bar": fake.closed_count()}
    fake.state["next_order"] += 1
    fake.state["orders"][o["orderId"]] = o
    fake.state["by_client"][client] = o["orderId"]
    if kind == "MARKET": fill(o, qty, price)
    return 0, "", {"order": {"symbol": o["symbol"], "orderId": o["orderId"], "side": side, "positionSide": position_side, "type": kind,
                             "clientOrderID": client, "workingType": "MARK_PRICE"}}


def find(p):
    client = p.get("clientOrderId", p.get("clientOrderID"))
    if client is not None: return fake.state["orders"].get(fake.state["by_client"].get(client.lower()))
    if "orderId" in p: return fake.state["orders"].get(int(p["orderId"]))
    return None


def query(p):
    if "symbol" not in p: return 80014, "symbol is required", None
    o = find(p)
    return (0, "", {"order": order_view(o)}) if o else (80016, "order does not exist", None)


def cancel(p):
    o = find(p)
    if not o: return 80016, "order does not exist", None
    if o["status"] not in ("NEW", "PENDING", "PARTIALLY_FILLED"): return 80018, "order is already filled or cancelled", None
    o["status"] = "CANCELLED"
    o["update"] = int(time.time() * 1000)
    return 0, "", {"order": order_view(o)}


def open_orders(p):
    return 0, "", {"orders": [order_view(o) | {"status": "PENDING"} for o in fake.state["orders"].values() if o["status"] in ("NEW", "PARTIALLY_FILLED")]}


def fill_history(p):
    """BingX keeps seven days, lists startTs < time <= endTs, and nothing for a start alone."""
    if "symbol" not in p: return 80014, "symbol is required", None
    if "startTs" in p and "endTs" not in p: return 0, "", {"fill_history_orders": [], "total": 0}
    start, end = int(p.get("startTs", 0)), int(p.get("endTs", time.time() * 1000))
    out = [t for t in fake.state["trades"] if t["symbol"] == p["symbol"] and start < t["time"] <= end
           and ("orderId" not in p or t["orderId"] == p["orderId"])]
    return 0, "", {"fill_history_orders": [{k: v for k, v in t.items() if k != "time"} for t in out[:int(p.get("pageSize", 50))]], "total": len(out)}


def balance(p):
    unrealised = (fake.last_price() - account["entry"]) * account["position"]
    return 0, "", [{"userId": "1", "asset": "USDT", "balance": fake.fmt(account["wallet"]), "equity": fake.fmt(account["wallet"] + unrealised),
                    "unrealizedProfit": fake.fmt(unrealised), "realisedProfit": fake.fmt(account["realised"]),
                    "availableMargin": fake.fmt(available()), "usedMargin": fake.fmt(used_margin()), "freezedMargin": "0", "shortUid": "1"}]


def positions(p):
    if account["position"] <= 0: return 0, "", []
    return 0, "", [{"positionId": "1", "symbol": SYMBOL["symbol"], "currency": "USDT", "positionAmt": fake.fmt(account["position"]),
                    "availableAmt": fake.fmt(account["position"]), "positionSide": "LONG", "isolated": False, "avgPrice": fake.fmt(account["entry"]),
                    "initialMargin": fake.fmt(used_margin()), "leverage": LEVERAGE, "unrealizedProfit": "0", "realisedProfit": fake.fmt(account["realised"]),
                    "liquidationPrice": 0, "updateTime": int(time.time() * 1000)}]


def position_mode(p):
    return 0, "", {"dualSidePosition": "true" if HEDGED else "false"}


def contracts(p):
    return 0, "", [SYMBOL] if p.get("symbol") in (None, SYMBOL["symbol"]) else []


def klines(p):
    if p.get("symbol") != SYMBOL["symbol"]: return 80014, "symbol does not exist", None
    if p.get("interval") != "1m": return 80014, "this fake serves 1m klines", None
    n = fake.closed_count()
    limit = min(int(p.get("limit", 500)), 1440)
    start = int(p["startTime"]) if "startTime" in p else None
    first = max(0, (start - fake.BASE) // 60000) if start is not None else max(0, n + 1 - limit)
    out = []
    for i in range(first, min(n + 1, first + limit)):
        o, h, l, c, v = fake.rows[i]
        out.append({"open": fake.fmt(o), "close": fake.fmt(c), "high": fake.fmt(h), "low": fake.fmt(l), "volume": fake.fmt(v), "time": fake.BASE + i * 60000})
    return 0, "", out


def match():
    """Limits fill when a closed bar crosses them, stops when a closed bar's low reaches them (at
    the stop, cut to the position: a stop is reduce-only)."""
    n = fake.closed_count()
    for o in fake.state["orders"].values():
        if o["status"] not in ("NEW", "PARTIALLY_FILLED") or o["type"] == "MARKET": continue
        for i in range(o["bar"], n):
            low, high = fake.rows[i][2], fake.rows[i][1]
            if o["type"] == "STOP_MARKET" and low <= o["stop"]:
                qty = min(o["qty"] - o["filled"], account["position"])
                if qty > 0: fill(o, qty, o["stop"])
                if o["status"] != "FILLED": o["status"] = "CANCELLED" if o["filled"] == 0 else "FILLED"
                break
            if o["type"] == "LIMIT" and ((o["side"] == "BUY" and low <= o["price"]) or (o["side"] == "SELL" and high >= o["price"])):
                fill(o, o["qty"] - o["filled"], o["price"])
                break
        o["bar"] = n


def event(o):
    """BingX swap's ORDER_TRADE_UPDATE for the order's state now; none for a stop BingX triggered."""
    if o["type"] == "STOP_MARKET" and o["filled"] > 0: return None
    last = next((t for t in reversed(fake.state["trades"]) if t["orderId"] == str(o["orderId"])), None)
    return {"e": "ORDER_TRADE_UPDATE", "E": int(time.time() * 1000),
            "o": {"s": o["symbol"], "c": o["client"], "i": o["orderId"], "S": o["side"], "o": o["type"], "q": fake.fmt(o["qty"]),
                  "p": fake.fmt(o["price"]), "sp": fake.fmt(o["stop"]), "ap": fake.fmt(o["quote"] / o["filled"]) if o["filled"] else "0",
                  "x": "TRADE" if last and o["filled"] else ("CANCELED" if o["status"] == "CANCELLED" else "NEW"),
                  "X": "CANCELED" if o["status"] == "CANCELLED" else o["status"], "N": "USDT", "n": last["commission"] if last else "0",
                  "T": o["update"], "wt": "MARK_PRICE", "ps": o["positionSide"], "rp": "0", "z": fake.fmt(o["filled"]), "ro": o["reduce"]}}


def account_event():
    """ACCOUNT_UPDATE once the position changed since the last one (None otherwise)."""
    if not account["changed"]: return None
    account["changed"] = False
    return {"e": "ACCOUNT_UPDATE", "E": int(time.time() * 1000), "T": int(time.time() * 1000),
            "a": {"m": "ORDER", "B": [{"a": "USDT", "wb": fake.fmt(account["wallet"]), "cw": fake.fmt(account["wallet"]), "bc": "0"}],
                  "P": [{"s": SYMBOL["symbol"], "pa": fake.fmt(account["position"]), "ep": fake.fmt(account["entry"]), "up": "0",
                         "mt": "cross", "iw": "0", "ps": "LONG", "cr": fake.fmt(account["realised"])}]}}


def control_position(payload):
    for symbol, amount in payload.items():
        if symbol == SYMBOL["symbol"]:
            account["position"] = float(amount)
            if account["entry"] == 0: account["entry"] = fake.last_price()


ROUTES = {
    ("GET", "/openApi/swap/v2/server/time"): (lambda p: fake.server_time(p), "public"),
    ("GET", "/openApi/swap/v2/quote/contracts"): (contracts, "public"),
    ("GET", "/openApi/swap/v3/quote/klines"): (klines, "public"),
    ("GET", "/openApi/swap/v1/positionSide/dual"): (position_mode, "account"),
    ("POST", "/openApi/swap/v2/trade/order"): (place, "orders"),
    ("GET", "/openApi/swap/v2/trade/order"): (query, "account"),
    ("DELETE", "/openApi/swap/v2/trade/order"): (cancel, "orders"),
    ("GET", "/openApi/swap/v2/trade/openOrders"): (open_orders, "account"),
    ("GET", "/openApi/swap/v2/trade/fillHistory"): (fill_history, "account"),
    ("GET", "/openApi/swap/v3/user/balance"): (balance, "account"),
    ("GET", "/openApi/swap/v2/user/positions"): (positions, "account"),
    ("POST", "/openApi/swap/v2/trade/cancelAllAfter"): (lambda p: fake.cancel_all_after(p), "orders"),
}
