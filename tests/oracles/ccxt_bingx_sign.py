#!/usr/bin/env python3
"""ccxt as the oracle for Warden's BingX signing: every signed request the fake BingX logged is
signed again, offline, by ccxt's bingx (same keys, same timestamp), and its path, parameters and
encoding must be identical to what Warden sent.

  ccxt_bingx_sign.py REQUESTS.jsonl API_KEY SECRET
Prints one line per kind of request compared and exits 1 on the first difference.
"""
import json, sys, urllib.parse
import ccxt

log, key, secret = sys.argv[1], sys.argv[2], sys.argv[3]
exchange = ccxt.bingx({"apiKey": key, "secret": secret})
compared, kinds = 0, set()
for line in open(log):
    entry = json.loads(line)
    params = dict(urllib.parse.parse_qsl(entry["query"], keep_blank_values=True))
    if "signature" not in params or entry["answer"] == 429:
        continue
    prefix, version, path = entry["path"].split("/", 4)[2], entry["path"].split("/")[3], "/".join(entry["path"].split("/")[4:])
    stamp = int(params.pop("timestamp"))
    params.pop("signature")
    exchange.nonce = lambda stamp=stamp: stamp
    signed = exchange.sign(path, [prefix, version, "private"], entry["method"], params)
    url = urllib.parse.urlsplit(signed["url"])
    theirs, ours = url.path + "?" + url.query, entry["path"] + "?" + entry["query"]
    if theirs != ours:
        print(f"DIFFERENT for {entry['method']} {entry['path']}:\n  ccxt:   {theirs}\n  warden: {ours}")
        sys.exit(1)
    if signed.get("headers", {}).get("X-BX-APIKEY") != key:
        print(f"ccxt would send another API key header for {entry['path']}")
        sys.exit(1)
    compared += 1
    kinds.add(f"{entry['method']} {entry['path']}" + (f" {params.get('type')} {params.get('side')}" if "type" in params else ""))
for kind in sorted(kinds): print(f"identical: {kind}")
print(f"{compared} signed requests identical to ccxt {ccxt.__version__}'s")
sys.exit(0 if compared else 1)
