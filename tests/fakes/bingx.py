#!/usr/bin/env python3
"""A local stand-in for BingX spot's REST API, strict where BingX is documented to be.

  bingx.py PORT LOGFILE CANDLES.csv [--speed BARS_PER_SECOND] [--history N] [--ws-port P] [--market swap]

With --market swap it is BingX's USDT-M perpetual swap instead (bingx_swap.py: its endpoints,
positions and stop orders; bingx_stream.py's /swap-market); everything below holds for both.

API key / secret: $FAKE_BINGX_KEY / $FAKE_BINGX_SECRET. Every signed request must carry X-BX-APIKEY
and a valid `signature` (HMAC-SHA256, hex, of the parameters as sent with their values decoded,
the signature last), and a `timestamp` within `recvWindow` (default 5000 ms) of this server's clock;
otherwise BingX's envelope with its code (100413, 100001, 100421). Every request is appended to
LOGFILE as a JSON line {method, path, params, answer, code}.

Market data: the candles of CANDLES.csv (time,open,high,low,close,volume) replayed on 1-minute open
times: N bars are closed at start, then SPEED more close every second. The newest kline served is
the one still forming. Orders: a real book of the orders accepted. A market order fills at once at
the last close (taker fee 0.1 %: a buy's in BTC, a sell's in USDT, as BingX charges them), a limit order rests until a closed bar crosses
its price. Balances are locked and moved as the orders fill.

Rate limits per UID (orders 10/s, account 5/s): a request beyond them gets HTTP 429 and is counted
as a violation. Control (no signature):
  POST /_control/fail {"what": "status", "status": 500, "count": 2}       the next N API calls answer so
  POST /_control/fail {"what": "status", "status": 429, "count": 3, "retry_after": "1"}
  POST /_control/fail {"what": "timeout", "count": 1}   the next order accepted loses its answer (it never comes)
  POST /_control/balance {"BTC": "0.5"}                  changes a balance behind the client's back
  POST /_control/limit {"side": "BUY", "price": 1000}     an open limit order placed outside Warden
  POST /_control/ws {"what": "drop"}                     the market stream cuts every connection
  POST /_control/ws {"what": "silence", "seconds": 5}    the market stream sends nothing for a while
  POST /_control/ws {"what": "expire"}                   every listen key expires (listenKeyExpired, then closed)
  GET  /_control/state                                   orders, balances, violations, the dead-man switch, the stream

With --ws-port, the market stream (bingx_stream.py) listens there at /market, and the user data
stream at /market?listenKey=KEY (keys from POST /openApi/user/auth/userDataStream).
"""
import csv, gzip, hashlib, hmac, json, math, os, sys, threading, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, LOG, CANDLES = int(sys.argv[1]), sys.argv[2], sys.argv[3]
args = sys.argv[4:]
SPEED = float(args[args.index("--speed") + 1]) if "--speed" in args else 1.0
WS_PORT = int(args[args.index("--ws-port") + 1]) if "--ws-port" in args else None
HISTORY = int(args[args.index("--history") + 1]) if "--history" in args else 400
MARKET = args[args.index("--market") + 1] if "--market" in args else "spot"
KEY, SECRET = os.environ.get("FAKE_BINGX_KEY", "fake-key"), os.environ.get("FAKE_BINGX_SECRET", "fake-secret")
FEE = 0.001
SYMBOL = {"symbol": "BTC-USDT", "tickSize": 0.01, "stepSize": 0.00001, "minQty": 0.00001, "maxQty": 1000, "minNotional": 5, "maxNotional": 500000, "status": 1}
LIMITS = {"orders": 10, "account": 5}

lock = threading.Lock()
rows = []
with (gzip.open(CANDLES, "rt") if CANDLES.endswith(".gz") else open(CANDLES)) as f:
    for row in csv.reader(f):
        if not row or not row[0][0].isdigit(): continue
        rows.append([float(x) for x in row[1:6]])
START = time.time()
# Open times far enough back that bars closing at SPEED per second stay in the past for an hour, as
# real closed bars are (an order is never decided on a bar newer than its fill).
BASE = (int(START * 1000) // 60000) * 60000 - (HISTORY + int(3600 * SPEED) + 1) * 60000
state = {"orders": {}, "by_client": {}, "trades": [], "next_order": 1736012345678901235, "next_trade": 1836012345678901235,
         "balances": {"USDT": [10000.0, 0.0], "BTC": [0.0, 0.0]}, "violations": 0, "fail": [], "calls": {}, "stamps": {},
         "switch": {"deadline": None, "fired": 0, "activations": 0, "closes": 0, "cancelled": 0}, "published": {}}


def closed_count():
    return min(len(rows) - 1, HISTORY + int((time.time() - START) * SPEED))


def last_price():
    return rows[closed_count() - 1][3]


def fmt(x):
    return f"{x:.8f}".rstrip("0").rstrip(".") or "0"


def order_view(o):
    return {"symbol": o["symbol"], "orderId": o["orderId"], "price": fmt(o["price"]), "origQty": fmt(o["qty"]), "executedQty": fmt(o["filled"]),
            "cummulativeQuoteQty": fmt(o["quote"]), "status": o["status"], "type": o["type"], "side": o["side"], "time": o["time"],
            "updateTime": o["update"], "clientOrderID": o["client"], "avgPrice": fmt(o["quote"] / o["filled"]) if o["filled"] else "0"}


def fill(o, qty, price):
    """One trade of order o; balances move. As on BingX spot, the fee is charged in what the trade
    brings: a buy's in BTC (received less it), a sell's in USDT."""
    quote = qty * price
    b = state["balances"]
    if o["side"] == "BUY":
        fee, asset = round(qty * FEE, 8), "BTC"
        locked = o.pop("locked", 0.0)
        b["USDT"][1] -= locked
        b["USDT"][0] += locked - quote
        b["BTC"][0] += qty - fee
    else:
        fee, asset = quote * FEE, "USDT"
        b["BTC"][1] -= qty
        b["USDT"][0] += quote - fee
    o["filled"] += qty
    o["quote"] += quote
    o["update"] = int(time.time() * 1000)
    o["status"] = "FILLED" if o["filled"] >= o["qty"] - 1e-12 else "PARTIALLY_FILLED"
    state["trades"].append({"symbol": o["symbol"], "id": state["next_trade"], "orderId": o["orderId"], "price": fmt(price), "qty": fmt(qty),
                            "quoteQty": fmt(quote), "commission": fmt(-fee), "commissionAsset": asset, "time": o["update"],
                            "isBuyer": o["side"] == "BUY", "isMaker": o["type"] == "LIMIT"})
    state["next_trade"] += 1


def match_limits():
    n = closed_count()
    for o in state["orders"].values():
        if o["type"] != "LIMIT" or o["status"] not in ("NEW", "PARTIALLY_FILLED"): continue
        for i in range(o["bar"], n):
            low, high = rows[i][2], rows[i][1]
            if (o["side"] == "BUY" and rows[i][2] <= o["price"]) or (o["side"] == "SELL" and rows[i][1] >= o["price"]):
                fill(o, o["qty"] - o["filled"], o["price"])
                break
        o["bar"] = n


def envelope(data=None, code=0, msg=""):
    return {"code": code, "msg": msg, "debugMsg": "", "data": data if data is not None else {}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a): pass

    def send(self, status, payload, headers=()):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for k, v in headers: self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def record(self, params, answer, code):
        with lock, open(LOG, "a") as log:
            log.write(json.dumps({"method": self.command, "path": self.path.split("?")[0], "query": self.path.partition("?")[2], "params": params,
                                  "answer": answer, "code": code}) + "\n")

    def do_GET(self): self.handle_api()
    def do_POST(self): self.handle_api()
    def do_DELETE(self): self.handle_api()
    def do_PUT(self): self.handle_api()

    def handle_api(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        if path.startswith("/_control/"): return self.control(path, body)
        if path == "/openApi/user/auth/userDataStream": return self.listen_key(query)
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        params = dict(pairs)
        with lock:
            failing = state["fail"][0] if state["fail"] else None
            if failing and failing["what"] == "status" and path.startswith("/openApi/"):
                failing["count"] -= 1
                if failing["count"] <= 0: state["fail"].pop(0)
        if failing and failing["what"] == "status" and path.startswith("/openApi/"):
            self.record(params, failing["status"], None)
            headers = [("Retry-After", failing["retry_after"])] if failing.get("retry_after") else []
            return self.send(failing["status"], {"code": failing["status"], "msg": "injected"}, headers)
        route = ROUTES.get((self.command, path))
        if route is None:
            self.record(params, 404, None)
            return self.send(404, {"code": 100400, "msg": f"no such endpoint {self.command} {path}"})
        handler, group = route
        if group != "public":
            problem = self.authenticate(query, params)
            if problem:
                self.record(params, 200, problem[0])
                return self.send(200, envelope(code=problem[0], msg=problem[1]))
            if not self.within_limit(group):
                self.record(params, 429, None)
                return self.send(429, {"code": 100410, "msg": "Rate limit exceeded"}, [("Retry-After", "1")])
        with lock:
            match_limits()
            code, msg, data = handler(params)
            publish_changes()
        # Only an accepted order loses its answer: one refused anyway is no unknown outcome.
        if failing and failing["what"] == "timeout" and self.command == "POST" and path in ORDER_PATHS and code == 0:
            with lock:
                if state["fail"] and state["fail"][0] is failing: state["fail"].pop(0)
            self.record(params, "timeout", code)
            time.sleep(30)  # accepted, but the answer never arrives in time
            return
        self.record(params, 200, code)
        self.send(200, envelope(data, code, msg))

    def listen_key(self, query):
        """BingX's listen key: the API key header, no signature. POST answers {"listenKey"} bare, as
        BingX's documentation shows it; PUT and DELETE answer 200, or 404 for a key it does not know."""
        params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        if self.headers.get("X-BX-APIKEY") != KEY:
            self.record(params, 200, 100413)
            return self.send(200, envelope(code=100413, msg="Incorrect apiKey"))
        if not self.within_limit("account"):
            self.record(params, 429, None)
            return self.send(429, {"code": 100410, "msg": "Rate limit exceeded"}, [("Retry-After", "1")])
        if self.command == "POST":
            key = STREAM.new_key() if STREAM else os.urandom(32).hex()
            self.record(params, 200, 0)
            return self.send(200, {"listenKey": key})
        known = STREAM.key_known(params.get("listenKey", "")) if STREAM else False
        if known and self.command == "DELETE": STREAM.delete_key(params["listenKey"])
        self.record(params, 200 if known else 404, 0 if known else None)
        self.send(200 if known else 404, {} if known else {"code": 404, "msg": "listen key not found"})

    def authenticate(self, query, params):
        if self.headers.get("X-BX-APIKEY") != KEY: return (100413, "Incorrect apiKey")
        if "&signature=" not in "&" + query: return (100412, "Null signature")
        signed, _, signature = query.rpartition("&signature=")
        raw = "&".join(f"{k}={v}" for k, v in urllib.parse.parse_qsl(signed, keep_blank_values=True))
        expected = hmac.new(SECRET.encode(), raw.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature): return (100001, "Signature verification failed")
        try:
            stamp, window = int(params["timestamp"]), int(params.get("recvWindow", 5000))
        except (KeyError, ValueError):
            return (100421, "Null timestamp or timestamp mismatch")
        if abs(time.time() * 1000 - stamp) > window: return (100421, "Null timestamp or timestamp mismatch")
        return None

    def within_limit(self, group):
        now = time.time()
        with lock:
            stamps = [t for t in state["stamps"].get(group, []) if now - t < 1.0]
            ok = len(stamps) < LIMITS[group]
            if ok: stamps.append(now)
            else: state["violations"] += 1
            state["stamps"][group] = stamps
            return ok

    def control(self, path, body):
        payload = json.loads(body or b"{}")
        with lock:
            if path == "/_control/fail":
                state["fail"].append(payload)
            elif path == "/_control/limit":
                # An open order on the account placed elsewhere (by hand on the website, say).
                o = {"symbol": "BTC-USDT", "orderId": state["next_order"], "side": payload.get("side", "BUY"), "type": "LIMIT",
                     "qty": float(payload.get("qty", 0.001)), "price": float(payload.get("price", 1000)), "filled": 0.0, "quote": 0.0,
                     "status": "NEW", "client": "", "time": int(time.time() * 1000), "update": int(time.time() * 1000), "bar": closed_count()}
                state["next_order"] += 1
                state["orders"][o["orderId"]] = o
            elif path == "/_control/ws" and STREAM:
                what = payload.get("what")
                if what == "drop": STREAM.drop()
                elif what == "expire": STREAM.expire_keys()
                else: STREAM.silence(float(payload.get("seconds", 5)))
            elif path == "/_control/position" and MARKET == "swap":
                bingx_swap.control_position(payload)
            elif path == "/_control/balance":
                for asset, amount in payload.items(): state["balances"].setdefault(asset, [0.0, 0.0])[0] = float(amount)
            elif path != "/_control/state":
                return self.send(404, {"error": path})
            view = {"orders": [order_view(o) for o in state["orders"].values()], "violations": state["violations"],
                    "balances": {a: {"free": fmt(v[0]), "locked": fmt(v[1])} for a, v in state["balances"].items()}, "closed": closed_count(),
                    "switch": {k: v for k, v in state["switch"].items() if k != "deadline"} | {"armed": state["switch"]["deadline"] is not None},
                    "stream": STREAM.view() if STREAM else None}
            if MARKET == "swap":
                view["orders"] = [bingx_swap.order_view(o) for o in state["orders"].values()]
                view["account"] = dict(bingx_swap.account)
        self.send(200, view)


def cancel_all_after(p):
    """BingX's dead-man switch: ACTIVATE (re)arms a timer of timeOut seconds (10-120); when it runs
    out every open order is cancelled; CLOSE stops it."""
    sw = state["switch"]
    if p.get("type") == "CLOSE":
        sw["deadline"] = None; sw["closes"] += 1
        return 0, "", {"triggerTime": 0, "status": "CLOSED", "note": "closed"}
    if p.get("type") != "ACTIVATE": return 100400, "type must be ACTIVATE or CLOSE", None
    timeout = int(p.get("timeOut", "0"))
    if not 10 <= timeout <= 120: return 100400, "timeOut must be 10 to 120 seconds", None
    sw["deadline"] = time.time() + timeout; sw["activations"] += 1
    return 0, "", {"triggerTime": int(sw["deadline"]), "status": "ACTIVATED", "note": "armed"}


def watch_switch():
    while True:
        time.sleep(0.25)
        with lock:
            sw = state["switch"]
            if sw["deadline"] is None or time.time() < sw["deadline"]: continue
            sw["deadline"] = None; sw["fired"] += 1
            for o in state["orders"].values():
                if o["status"] in ("NEW", "PARTIALLY_FILLED"):
                    CANCEL({"orderId": str(o["orderId"])}); sw["cancelled"] += 1
            publish_changes()


def server_time(p): return 0, "", {"serverTime": int(time.time() * 1000)}


def symbols(p): return 0, "", {"symbols": [SYMBOL] if p.get("symbol") in (None, SYMBOL["symbol"]) else []}


def klines(p):
    if p.get("symbol") != SYMBOL["symbol"]: return 100400, "symbol does not exist", None
    if p.get("interval") != "1m": return 100400, "this fake serves 1m klines", None
    n = closed_count()
    limit = min(int(p.get("limit", 500)), 1000)
    start = int(p["startTime"]) if "startTime" in p else None
    first = max(0, (start - BASE) // 60000) if start is not None else max(0, n + 1 - limit)
    out = []
    for i in range(first, min(n + 1, first + limit)):  # bar n is the one still forming
        o, h, l, c, v = rows[i]
        out.append([BASE + i * 60000, o, h, l, c, v, BASE + i * 60000 + 59999, c * v])
    return 0, "", out


def place(p):
    for key in ("symbol", "side", "type"):
        if key not in p: return 100400, f"{key} is required", None
    client = p.get("newClientOrderId", "")
    if client and (len(client) > 40 or not all(ch.isalnum() or ch == "_" for ch in client)):
        return 100400, "newClientOrderId: only letters, numbers and _, 1 to 40", None
    if client and client in state["by_client"]: return 101481, "clientOrderID cannot be repeated", None
    price = last_price()
    side, kind = p["side"], p["type"]
    if kind == "MARKET":
        if "quantity" in p: qty = float(p["quantity"])
        # A quote amount buys what it can, cut to the step: never more than it pays for.
        elif "quoteOrderQty" in p and side == "BUY": qty = round(math.floor(float(p["quoteOrderQty"]) / price / SYMBOL["stepSize"] + 1e-9) * SYMBOL["stepSize"], 8)
        else: return 100400, "quantity or quoteOrderQty is required", None
    elif kind == "LIMIT":
        if "price" not in p or "quantity" not in p: return 100400, "For limit orders, price and quantity are required", None
        qty, price = float(p["quantity"]), float(p["price"])
    else:
        return 100400, f"type {kind} is not served by this fake", None
    if abs(round(qty / SYMBOL["stepSize"]) * SYMBOL["stepSize"] - qty) > 1e-12 or qty < SYMBOL["minQty"]:
        return 100400, "quantity is not a multiple of the step", None
    if qty * price < SYMBOL["minNotional"]: return 100400, "order value below the minimum notional", None
    b = state["balances"]
    now = int(time.time() * 1000)
    o = {"symbol": p["symbol"], "orderId": state["next_order"], "side": side, "type": kind, "qty": qty, "price": price if kind == "LIMIT" else 0.0,
         "filled": 0.0, "quote": 0.0, "status": "NEW", "client": client, "time": now, "update": now, "bar": closed_count()}
    if side == "BUY":
        # The fee of a buy is taken from the coin bought: the order needs its value in USDT, no more.
        need = qty * price
        if b["USDT"][0] < need: return 100202, "Insufficient assets, please verify the assets status", None
        b["USDT"][0] -= need; b["USDT"][1] += need; o["locked"] = need
    else:
        if b["BTC"][0] < qty - 1e-12: return 100202, "Insufficient assets, please verify the assets status", None
        b["BTC"][0] -= qty; b["BTC"][1] += qty
    state["next_order"] += 1
    state["orders"][o["orderId"]] = o
    if client: state["by_client"][client] = o["orderId"]
    if kind == "MARKET": fill(o, qty, price)
    view = order_view(o)
    view["transactTime"] = now
    return 0, "", view


def find(p):
    if "clientOrderID" in p: return state["orders"].get(state["by_client"].get(p["clientOrderID"]))
    if "orderId" in p: return state["orders"].get(int(p["orderId"]))
    return None


def query(p):
    o = find(p)
    return (0, "", order_view(o)) if o else (100404, "order not exist", None)


def cancel(p):
    o = find(p)
    if not o: return 100404, "order not exist", None
    if o["status"] not in ("NEW", "PARTIALLY_FILLED"): return 100400, "order is not open", None
    b = state["balances"]
    if o["side"] == "BUY":
        locked = o.pop("locked", 0.0); b["USDT"][1] -= locked; b["USDT"][0] += locked
    else:
        rest = o["qty"] - o["filled"]; b["BTC"][1] -= rest; b["BTC"][0] += rest
    o["status"] = "CANCELED"
    return 0, "", order_view(o)


def open_orders(p):
    return 0, "", {"orders": [order_view(o) for o in state["orders"].values() if o["status"] in ("NEW", "PARTIALLY_FILLED")]}


def my_trades(p):
    out = [t for t in state["trades"] if t["symbol"] == p.get("symbol")]
    if "orderId" in p: out = [t for t in out if t["orderId"] == int(p["orderId"])]
    if "startTime" in p: out = [t for t in out if t["time"] >= int(p["startTime"])]
    return 0, "", {"fills": out}


def balance(p):
    return 0, "", {"balances": [{"asset": a, "free": fmt(v[0]), "locked": fmt(v[1])} for a, v in state["balances"].items()]}


ROUTES = {
    ("GET", "/openApi/spot/v1/server/time"): (server_time, "public"),
    ("GET", "/openApi/spot/v1/common/symbols"): (symbols, "public"),
    ("GET", "/openApi/spot/v2/market/kline"): (klines, "public"),
    ("POST", "/openApi/spot/v1/trade/order"): (place, "orders"),
    ("GET", "/openApi/spot/v1/trade/query"): (query, "account"),
    ("POST", "/openApi/spot/v1/trade/cancel"): (cancel, "orders"),
    ("GET", "/openApi/spot/v1/trade/openOrders"): (open_orders, "account"),
    ("GET", "/openApi/spot/v1/trade/myTrades"): (my_trades, "account"),
    ("GET", "/openApi/spot/v1/account/balance"): (balance, "account"),
    ("POST", "/openApi/spot/v1/trade/cancelAllAfter"): (cancel_all_after, "orders"),
}

def publish_changes():
    """Every order whose status or filled quantity changed since last time goes to the user
    stream as BingX's spot.executionReport. Called with the lock held."""
    if not STREAM: return
    for o in state["orders"].values():
        seen = (o["status"], o["filled"])
        if state["published"].get(o["orderId"]) == seen: continue
        state["published"][o["orderId"]] = seen
        last = next((t for t in reversed(state["trades"]) if t["orderId"] == o["orderId"]), None)
        if MARKET == "swap":
            update = bingx_swap.event(o)
            if update: STREAM.publish(update)
            continue
        STREAM.publish({"e": "executionReport", "E": int(time.time() * 1000), "s": o["symbol"], "S": o["side"], "o": o["type"], "q": fmt(o["qty"]),
                        "p": fmt(o["price"]), "x": "TRADE" if last and o["filled"] else ("CANCELED" if o["status"] == "CANCELED" else "NEW"),
                        "X": o["status"], "i": o["orderId"], "c": o["client"], "l": last["qty"] if last else "0", "z": fmt(o["filled"]),
                        "L": last["price"] if last else "0", "n": last["commission"] if last else "0", "N": last["commissionAsset"] if last else "USDT",
                        "T": o["update"], "t": last["id"] if last else -1, "O": o["time"], "Z": fmt(o["quote"]), "Y": last["quoteQty"] if last else "0",
                        "Q": "0"})
    if MARKET == "swap":
        update = bingx_swap.account_event()
        if update: STREAM.publish(update)


def matcher():
    """Limit orders fill as bars close, whether or not anyone is asking."""
    while True:
        time.sleep(0.2)
        with lock:
            match_limits()
            publish_changes()


def forming_bar():
    n = closed_count()
    return (BASE + n * 60000, *rows[n][:5])


ORDER_PATHS = {"/openApi/spot/v1/trade/order", "/openApi/swap/v2/trade/order"}
CANCEL = cancel
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if MARKET == "swap":
    import bingx_swap
    ROUTES, match_limits, CANCEL = bingx_swap.ROUTES, bingx_swap.match, bingx_swap.cancel
    LIMITS["orders"] = 5  # BingX swap: 5 orders a second per UID
threading.Thread(target=watch_switch, daemon=True).start()
STREAM = None
if WS_PORT:
    from bingx_stream import Stream
    STREAM = Stream(WS_PORT, SYMBOL["symbol"], forming_bar, swap=MARKET == "swap")
    STREAM.start()
    threading.Thread(target=matcher, daemon=True).start()

ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
