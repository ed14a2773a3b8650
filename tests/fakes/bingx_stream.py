"""The fake BingX's WebSocket market stream (spot's /market, swap's /swap-market), strict where
BingX documents it.

Every frame the server sends is gzip (binary). A heartbeat {"ping": ID, "time": T} goes out every
PING seconds and must be answered {"pong": ID, ...} with the same ID; three unanswered close the
connection (code 1008), as BingX does. A subscription is {"id", "reqType": "sub", "dataType":
"BTC-USDT@kline_1min"} and is acknowledged {"id", "code": 0, "msg": "", "dataType": "", "data":
null}; anything else gets a non-zero code. Subscribers get the bar forming now (the same values REST
serves for it) whenever it changes, and at least every second.

The user data stream is the same URL with ?listenKey=KEY, for a key the REST side made: it takes the
subscription "spot.executionReport" and pushes each order change the REST side publishes. An
unknown key is refused (close 1008). When keys expire, each user connection gets
{"e": "listenKeyExpired"} and is closed.

Swap (swap=True) differs as BingX's swap stream does: the heartbeat is the text "Ping", answered
"Pong"; the data type is "BTC-USDT@kline_1m" and a push carries {"s", "data": [{"o", "h", "l", "c",
"v", "T": open time}]}; the user stream takes no subscription and pushes each event itself
({"e": "ORDER_TRADE_UPDATE", ...}).

Control (from the REST side's /_control/ws): drop every connection without a close frame, go
silent (no frame at all, heartbeats included) for N seconds, or expire every listen key.
"""
import asyncio, gzip, json, threading, time, uuid

from websockets.asyncio.server import serve

PING = 5.0


class Stream:
    def __init__(self, port, symbol, forming, swap=False):
        """forming(): (open time ms, open, high, low, close, volume) of the bar forming now."""
        self.port, self.symbol, self.forming, self.swap = port, symbol, forming, swap
        self.path = "/swap-market" if swap else "/market"
        self.data_type = f"{symbol}@kline_1m" if swap else f"{symbol}@kline_1min"
        self.lock = threading.Lock()
        self.stats = {"connections": 0, "open": 0, "subscriptions": 0, "refused": 0, "pings": 0, "pongs": 0, "bad_pongs": 0,
                      "pushes": 0, "drops": 0, "keys": 0, "user_connections": 0, "user_open": 0, "user_subscriptions": 0, "user_pushes": 0,
                      "bad_keys": 0, "expired": 0, "user_pings": 0, "user_pongs": 0}
        self.keys = set()
        self.users = []  # (websocket, subscribed flag list, listen key)
        self.loop = None
        self.epoch = 0  # bumped by drop(): every older connection is cut
        self.silent_until = 0.0

    def new_key(self):
        key = uuid.uuid4().hex + uuid.uuid4().hex
        with self.lock:
            self.keys.add(key); self.stats["keys"] += 1
        return key

    def key_known(self, key):
        with self.lock: return key in self.keys

    def delete_key(self, key):
        with self.lock: self.keys.discard(key)

    def expire_keys(self):
        with self.lock:
            self.keys.clear(); self.stats["expired"] += 1
            users = list(self.users)
        for ws, _, _ in users:
            self.later(self.expire(ws))

    async def expire(self, ws):
        await self.send(ws, {"e": "listenKeyExpired", "E": int(time.time() * 1000)})
        await ws.close(1000, "listen key expired")

    def publish(self, event):
        """An order change, to every subscribed user connection (from any thread)."""
        with self.lock: users = [u for u in self.users if u[1] or self.swap]
        for ws, _, _ in users:
            self.count("user_pushes")
            self.later(self.send(ws, event if self.swap else {"dataType": "spot.executionReport", "data": event}))

    def later(self, coroutine):
        if self.loop: asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def start(self):
        threading.Thread(target=lambda: asyncio.run(self.main()), daemon=True).start()

    def drop(self):
        with self.lock:
            self.epoch += 1; self.stats["drops"] += 1

    def silence(self, seconds):
        with self.lock: self.silent_until = time.time() + seconds

    def view(self):
        with self.lock: return dict(self.stats)

    async def main(self):
        self.loop = asyncio.get_running_loop()
        async with serve(self.handle, "127.0.0.1", self.port, compression=None, ping_interval=None):
            await asyncio.Future()

    def count(self, key, n=1):
        with self.lock: self.stats[key] += n

    async def handle(self, ws):
        path, _, query = ws.request.path.partition("?")
        if path != self.path:
            await ws.close(1008, "no such stream"); return
        if "listenKey=" in query:
            return await self.user(ws, query.split("listenKey=", 1)[1].split("&")[0])
        with self.lock:
            epoch = self.epoch; self.stats["connections"] += 1; self.stats["open"] += 1
        subscribed, pending = [], {}
        try:
            reader = asyncio.create_task(self.read(ws, subscribed, pending))
            last_sent, last_push, last_ping = None, 0.0, time.time()
            while not reader.done():
                await asyncio.sleep(0.05)
                with self.lock: cut, quiet = self.epoch != epoch, time.time() < self.silent_until
                if cut:
                    ws.transport.abort(); break  # a dropped connection: no close frame
                if quiet: continue
                now = time.time()
                if now - last_ping >= PING:
                    if len(pending) >= 3:
                        await ws.close(1008, "pong timeout"); break
                    ping = "Ping" if self.swap else uuid.uuid4().hex
                    pending[ping if not self.swap else f"Ping-{now}"] = now
                    await self.send(ws, "Ping" if self.swap else {"ping": ping, "time": time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime(now))})
                    self.count("pings"); last_ping = now
                bar = self.forming()
                if subscribed and (bar != last_sent or now - last_push >= 1.0):
                    t, o, h, l, c, v = bar
                    push = {"code": 0, "dataType": self.data_type, "s": self.symbol,
                            "data": [{"o": fmt(o), "h": fmt(h), "l": fmt(l), "c": fmt(c), "v": fmt(v), "T": t}]} if self.swap else {"code": 0, "dataType": f"{self.symbol}@kline_1min", "success": True,
                            "data": {"e": "kline", "E": int(now * 1000), "s": self.symbol,
                                     "K": {"t": t, "T": t + 59999, "s": self.symbol, "i": "1min", "o": fmt(o), "h": fmt(h), "l": fmt(l),
                                           "c": fmt(c), "v": fmt(v), "n": 1, "q": fmt(c * v)}}}
                    await self.send(ws, push)
                    self.count("pushes"); last_sent, last_push = bar, now
            reader.cancel()
        except Exception:
            pass
        finally:
            self.count("open", -1)

    async def user(self, ws, key):
        if not self.key_known(key):
            self.count("bad_keys"); await ws.close(1008, "listen key does not exist"); return
        entry = (ws, [], key)
        with self.lock:
            self.users.append(entry); self.stats["user_connections"] += 1; self.stats["user_open"] += 1
        try:
            pinger = asyncio.create_task(self.ping_forever(ws))
            async for message in ws:
                if message == "Pong": self.count("user_pongs"); continue
                try:
                    msg = json.loads(message)
                except ValueError:
                    continue
                if "pong" in msg: self.count("user_pongs"); continue
                if msg.get("reqType") == "sub" and msg.get("dataType") == "spot.executionReport":
                    entry[1].append(True); self.count("user_subscriptions")
                    await self.send(ws, {"id": msg.get("id", ""), "code": 0, "msg": "", "dataType": "", "data": None})
                else:
                    self.count("refused")
                    await self.send(ws, {"id": str(msg.get("id", "")), "code": 100400, "msg": "unknown dataType", "dataType": "", "data": None})
            pinger.cancel()
        except Exception:
            pass
        finally:
            with self.lock:
                self.users = [u for u in self.users if u is not entry]; self.stats["user_open"] -= 1

    async def ping_forever(self, ws):
        while True:
            await asyncio.sleep(PING)
            with self.lock: quiet = time.time() < self.silent_until
            if not quiet:
                self.count("user_pings")
                await self.send(ws, "Ping" if self.swap else {"ping": uuid.uuid4().hex, "time": time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime())})

    async def read(self, ws, subscribed, pending):
        async for message in ws:
            if message == "Pong" and self.swap:
                # Swap's heartbeat is text: the oldest unanswered ping is answered.
                if pending: pending.pop(next(iter(pending))); self.count("pongs")
                else: self.count("bad_pongs")
                continue
            try:
                msg = json.loads(message)
            except ValueError:
                continue
            if "pong" in msg:
                self.count("pongs" if pending.pop(msg["pong"], None) is not None else "bad_pongs")
                continue
            wanted = self.data_type
            if msg.get("reqType") == "sub" and msg.get("dataType") == wanted and isinstance(msg.get("id"), str):
                subscribed.append(wanted); self.count("subscriptions")
                await self.send(ws, {"id": msg["id"], "code": 0, "msg": "", "dataType": "", "data": None})
            else:
                self.count("refused")
                await self.send(ws, {"id": str(msg.get("id", "")), "code": 100400, "msg": f"unknown dataType {msg.get('dataType')}",
                                     "dataType": "", "data": None})

    @staticmethod
    async def send(ws, payload):
        await ws.send(gzip.compress((payload if isinstance(payload, str) else json.dumps(payload)).encode()))


def fmt(x):
    return f"{x:.8f}".rstrip("0").rstrip(".") or "0"
