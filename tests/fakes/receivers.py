#!/usr/bin/env python3
"""Local stand-ins for the internet services Warden notifies, each checking the exact request its
documentation specifies, and answering as the service does.

  receivers.py PORT LOGFILE

Every request is appended to LOGFILE as one JSON line: {service, path, headers, body, problems}.
A request that breaks the documented format gets 400 and its problems are logged. Control:
  POST /_control/fail  {"status": 503, "count": 2, "retry_after": "1"}  the next N requests fail so
                       (count -1: until told otherwise; "path": only requests under that path)
  GET  /_control/log   the log as a JSON list
"""
import base64, json, sys, threading, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, LOG = int(sys.argv[1]), sys.argv[2]
# Credentials the test configuration uses.
TWILIO_SID, TWILIO_TOKEN = "AC0123456789abcdef0123456789abcdef", "twilio-secret"
TELEGRAM_TOKEN = "123456:telegram-secret"
PAGERDUTY_KEY = "R0UT1NGKEY0123456789012345678901"
lock = threading.Lock()
failures = {"count": 0, "status": 503, "retry_after": None, "body": "", "path": ""}


def check_webhook(body, headers, problems):
    payload = json.loads(body)
    for key in ("version", "groupKey", "truncatedAlerts", "status", "receiver", "groupLabels", "commonLabels", "commonAnnotations", "externalURL", "alerts"):
        if key not in payload: problems.append(f"webhook: missing {key}")
    if payload.get("version") != "4": problems.append("webhook: version must be \"4\"")
    if payload.get("status") not in ("firing", "resolved"): problems.append("webhook: bad status")
    for alert in payload.get("alerts", []):
        for key in ("status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"):
            if key not in alert: problems.append(f"webhook alert: missing {key}")
        if not alert.get("startsAt", "").endswith("Z"): problems.append("webhook alert: startsAt must be RFC 3339 UTC")
    return payload


def check_slack(body, headers, problems):
    payload = json.loads(body)
    attachments = payload.get("attachments")
    if not attachments and not payload.get("text"): problems.append("slack: needs text or attachments")
    for attachment in attachments or []:
        if len(attachment.get("title", "")) > 1024: problems.append("slack: title over 1024 characters")
        if "text" not in attachment: problems.append("slack: attachment without text")
    return payload


def check_discord(body, headers, problems):
    payload = json.loads(body)
    embeds = payload.get("embeds")
    if not embeds and not payload.get("content"): problems.append("discord: needs content or embeds")
    for embed in embeds or []:
        if len(embed.get("title", "")) > 256: problems.append("discord: embed title over 256 characters")
        if len(embed.get("description", "")) > 4096: problems.append("discord: embed description over 4096 characters")
    return payload


def check_telegram(path, body, headers, problems):
    if path != f"/bot{TELEGRAM_TOKEN}/sendMessage": problems.append(f"telegram: wrong path or token {path}")
    payload = json.loads(body)
    if "chat_id" not in payload: problems.append("telegram: chat_id missing")
    if not 1 <= len(payload.get("text", "")) <= 4096: problems.append("telegram: text must be 1-4096 characters")
    if payload.get("parse_mode") not in (None, "HTML", "MarkdownV2", "Markdown"): problems.append("telegram: bad parse_mode")
    return payload


def check_pagerduty(body, headers, problems):
    payload = json.loads(body)
    if payload.get("routing_key") != PAGERDUTY_KEY: problems.append("pagerduty: wrong routing_key")
    action = payload.get("event_action")
    if action not in ("trigger", "acknowledge", "resolve"): problems.append("pagerduty: bad event_action")
    if not payload.get("dedup_key"): problems.append("pagerduty: dedup_key missing")
    if action == "trigger":
        inner = payload.get("payload", {})
        for key in ("summary", "source", "severity"):
            if not inner.get(key): problems.append(f"pagerduty: payload.{key} missing")
        if len(inner.get("summary", "")) > 1024: problems.append("pagerduty: summary over 1024 characters")
        if inner.get("severity") not in ("critical", "error", "warning", "info"): problems.append("pagerduty: bad severity")
    return payload


def check_twilio(path, body, headers, problems):
    if path != f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json": problems.append(f"twilio: wrong path {path}")
    if not headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"): problems.append("twilio: not form-encoded")
    expected = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
    if headers.get("Authorization") != expected: problems.append("twilio: bad basic auth")
    form = urllib.parse.parse_qs(body.decode(), strict_parsing=True)
    for key in ("To", "From", "Body"):
        if len(form.get(key, [])) != 1: problems.append(f"twilio: {key} missing")
    if len(form.get("Body", [""])[0]) > 1600: problems.append("twilio: Body over 1600 characters")
    return {k: v[0] for k, v in form.items()}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args): pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers: self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/_control/log":
            with lock:
                lines = [json.loads(l) for l in open(LOG)] if __import__("os").path.exists(LOG) else []
            return self.reply(200, json.dumps(lines).encode(), [("Content-Type", "application/json")])
        self.reply(404)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        path = self.path
        if path == "/_control/fail":
            with lock: failures.update(json.loads(body))
            return self.reply(204)
        problems, service, parsed = [], "unknown", None
        if self.headers.get("Content-Type", "").startswith("application/json") is False and not path.startswith("/2010-04-01"):
            problems.append("Content-Type must be application/json")
        try:
            if path.startswith("/webhook"): service, parsed = "webhook", check_webhook(body, self.headers, problems)
            elif path.startswith("/slack/"): service, parsed = "slack", check_slack(body, self.headers, problems)
            elif path.startswith("/discord/"): service, parsed = "discord", check_discord(body, self.headers, problems)
            elif path.startswith("/bot"): service, parsed = "telegram", check_telegram(path, body, self.headers, problems)
            elif path == "/v2/enqueue": service, parsed = "pagerduty", check_pagerduty(body, self.headers, problems)
            elif path.startswith("/2010-04-01/"): service, parsed = "twilio", check_twilio(path, body, self.headers, problems)
            elif path == "/api/v2/alerts": service, parsed = "alertmanager", json.loads(body)
            else: problems.append(f"unknown path {path}")
        except Exception as error:  # malformed JSON or form
            problems.append(f"{service}: unreadable body: {error}")
        with lock:
            failing = failures["count"] != 0 and path.startswith(failures.get("path") or "")
            if failing and failures["count"] > 0: failures["count"] -= 1
            with open(LOG, "a") as log:
                log.write(json.dumps({"service": service, "path": path, "headers": dict(self.headers), "body": parsed,
                                      "problems": problems, "answered": failures["status"] if failing else (400 if problems else 200)}) + "\n")
        if failing:
            headers = [("Retry-After", failures["retry_after"])] if failures.get("retry_after") else []
            return self.reply(failures["status"], failures.get("body", "").encode(), headers)
        if problems: return self.reply(400, json.dumps({"problems": problems}).encode(), [("Content-Type", "application/json")])
        if service == "pagerduty":
            return self.reply(202, json.dumps({"status": "success", "message": "Event processed", "dedup_key": parsed["dedup_key"]}).encode(), [("Content-Type", "application/json")])
        if service == "twilio":
            return self.reply(201, json.dumps({"sid": "SM" + "0" * 32, "status": "queued"}).encode(), [("Content-Type", "application/json")])
        if service == "telegram":
            return self.reply(200, json.dumps({"ok": True, "result": {"message_id": 1}}).encode(), [("Content-Type", "application/json")])
        if service == "discord": return self.reply(204)
        self.reply(200, b"ok")


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
