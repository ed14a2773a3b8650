"""A WebSocket client of /api/v1/ws for api.sh: authenticates with the first message, subscribes,
and prints each event as one JSON line with the delay from the engine's send to arrival (ms).
Usage: ws_client.py URL TOKEN TOPICS COUNT [--slow]"""
import asyncio, json, sys, time
import websockets

async def main(url, token, topics, count, slow):
    async with websockets.connect(url, max_queue=None if slow else 16) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        ready = json.loads(await ws.recv())
        print(json.dumps({"ready": ready}), flush=True)
        await ws.send(json.dumps({"type": "subscribe", "topics": topics.split(",")}))
        seen = 0
        while seen < count:
            if slow:
                await asyncio.sleep(3600)
            message = json.loads(await ws.recv())
            if message.get("type") != "event":
                print(json.dumps({"control": message}), flush=True)
                continue
            delay = time.time() * 1000 - message["sent_at"]
            print(json.dumps({"topic": message["topic"], "delay_ms": delay, "data": message["data"]}), flush=True)
            seen += 1

if __name__ == "__main__":
    try:
        asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), "--slow" in sys.argv))
    except websockets.ConnectionClosed as closed:
        print(json.dumps({"closed": closed.rcvd.code if closed.rcvd else None, "reason": closed.rcvd.reason if closed.rcvd else None}), flush=True)
