#!/usr/bin/python3
"""A real SMTP server (aiosmtpd, Debian's python3-aiosmtpd) for Warden's email tests.

  smtp_server.py PORT OUT.jsonl MODE [CERT KEY]

MODE: starttls (STARTTLS required, then AUTH LOGIN/PLAIN warden/mail-secret required),
      smtps (implicit TLS, AUTH required), plain (no TLS offered, no AUTH: a local relay).
Every accepted message is appended to OUT.jsonl with its envelope, whether it came over TLS and
whether the session authenticated.
"""
import json, ssl, sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port, out, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
context = None
if mode in ("starttls", "smtps"):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(sys.argv[4], sys.argv[5])


class Handler:
    async def handle_DATA(self, server, session, envelope):
        with open(out, "a") as log:
            log.write(json.dumps({
                "from": envelope.mail_from, "to": envelope.rcpt_tos, "data": envelope.content.decode("utf-8", "replace"),
                "tls": session.ssl is not None or mode == "smtps", "authenticated": bool(session.authenticated),
            }) + "\n")
        return "250 Message accepted for delivery"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"warden" and auth_data.password == b"mail-secret"
    return AuthResult(success=ok, handled=False)


options = dict(hostname="127.0.0.1", port=port)
if mode == "starttls":
    options.update(tls_context=context, require_starttls=True, authenticator=authenticator, auth_required=True, auth_require_tls=True)
elif mode == "smtps":
    options.update(ssl_context=context, authenticator=authenticator, auth_required=True, auth_require_tls=False)
controller = Controller(Handler(), **options)
controller.start()
print("ready", flush=True)
while True:
    time.sleep(3600)
