"""A local SMS provider speaking Twilio's Messages API, for tests and for a laptop: it keeps
every text it takes (in memory), and lists them; and, as Twilio does, it posts a reply someone
texts back to the platform's number to the inbound webhook, signed as Twilio signs.

    python -m services.notify.fake_sms [--port 8010] [--bind 127.0.0.1] [--webhook URL]

(the port defaults to `CASEWORK_FAKE_SMS_PORT`, else 8010, and the webhook to
`CASEWORK_FAKE_SMS_WEBHOOK_URL`; `./scripts/run` starts it from the Procfile, points notify at
it unless `CASEWORK_NOTIFY_SMS_URL` is set, and points it at intake-web's `/webhooks/sms`)

then point notify at it:

    CASEWORK_NOTIFY_SMS_URL=http://127.0.0.1:8010 CASEWORK_NOTIFY_SMS_ACCOUNT=ACfake
    CASEWORK_NOTIFY_SMS_TOKEN=fake-token CASEWORK_NOTIFY_SMS_FROM=+15005550006

What it answers:

    POST /2010-04-01/Accounts/{sid}/Messages.json  201 {"sid", "status": "queued", ...}; 401
        (code 20003) for other credentials; 400 with Twilio's code for a missing field, a
        number not in E.164 form (21211) or one that replied STOP (21610)
    GET /texts                                     {"texts": [{"sid", "to", "from", "body"}]}
    DELETE /texts                                  forgets them
    POST /control                                  JSON, to make the next sends fail:
        {"stop": "+1..."}                          that number has replied STOP
        {"fail": 503, "times": 2}                  the next 2 sends answer 503 (any status)
        {"delay_seconds": 5, "times": 1}           the next send answers after 5 seconds
        {"reply": {"from": "+1...", "body": "STOP"}}  that phone texts "STOP" to the platform's
                                                   number ("to", else CASEWORK_NOTIFY_SMS_FROM,
                                                   else +15005550006): answers 200
                                                   {"status": <the webhook's status>}, or 409
                                                   when no webhook is configured

A reply goes to the webhook as Twilio's inbound message does: a form POST of MessageSid,
AccountSid, From, To, Body, NumMedia, SmsStatus and ApiVersion, with `X-Twilio-Signature`
computed from the webhook URL, those fields and the fake's token (`reply()` does the same for
a test holding the fake). And as Twilio does, the fake itself stops taking texts to a phone
that replied one of its opt-out keywords (answering 21610) and takes them again after START.

It logs the number of texts it holds, never a number or a text.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import requests

from services.chassis.config import env_int, env_str
from services.chassis.twilio_signature import SIGNATURE_HEADER, twilio_signature

log = logging.getLogger(__name__)

ACCOUNT = "ACfake"
TOKEN = "fake-token"  # noqa: S105 - the fake's own, documented credentials
MESSAGES = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages\.json$")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
# What Twilio itself acts on in a reply (its default keywords for long codes).
OPT_OUT_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
OPT_IN_WORDS = frozenset({"START", "YES", "UNSTOP"})
PLATFORM_NUMBER = "+15005550006"


class FakeSmsProvider:
    """The fake, served on its own threads; `url` once started (port 0: any free port)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        account: str = ACCOUNT,
        token: str = TOKEN,
        webhook_url: str = "",
    ) -> None:
        self.account, self.token = account, token
        self.webhook_url = webhook_url
        self._sends = 0
        self._lock = threading.Lock()
        self._texts: list[dict[str, str]] = []
        self._stopped: set[str] = set()
        self._failures: list[int] = []
        self._delays: list[float] = []
        self._connections = 0
        self._released = threading.Event()  # ends every delay at once when stopping
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeSmsProvider:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # What tests (and /control) set up, and what they read back.

    @property
    def connections(self) -> int:
        """Connections clients opened to it (a client keeping its pool opens one)."""
        with self._lock:
            return self._connections

    def connected(self) -> None:
        with self._lock:
            self._connections += 1

    def texts(self) -> list[dict[str, str]]:
        with self._lock:
            return [dict(text) for text in self._texts]

    def forget(self) -> None:
        with self._lock:
            self._texts.clear()

    def stop_number(self, number: str) -> None:
        with self._lock:
            self._stopped.add(number)

    def start_number(self, number: str) -> None:
        with self._lock:
            self._stopped.discard(number)

    def fail_next(self, status: int, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([status] * times)

    def delay_next(self, seconds: float, times: int = 1) -> None:
        with self._lock:
            self._delays.extend([seconds] * times)

    @property
    def sends(self) -> int:
        """Texts asked of it (taken or refused): zero proves nobody tried."""
        with self._lock:
            return self._sends

    def reply(self, from_number: str, body: str, to_number: str = "") -> int:
        """`from_number` texts `body` to the platform's number: post it to the webhook, signed,
        as Twilio would; the webhook's status. The fake acts on an opt-out or opt-in keyword
        itself first, as Twilio does."""
        if not self.webhook_url:
            raise LookupError("the fake SMS provider has no webhook URL to post replies to")
        word = body.strip().upper()
        if word in OPT_OUT_WORDS:
            self.stop_number(from_number)
        elif word in OPT_IN_WORDS:
            self.start_number(from_number)
        form = {
            "MessageSid": f"SM{uuid.uuid4().hex}",
            "AccountSid": self.account,
            "From": from_number,
            "To": to_number or env_str("CASEWORK_NOTIFY_SMS_FROM", PLATFORM_NUMBER),
            "Body": body,
            "NumMedia": "0",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        return self.post_to_webhook(form)

    def post_to_webhook(self, form: dict[str, str]) -> int:
        """Post a form to the webhook signed as Twilio signs it (a test may post one again: a
        replay, as Twilio sends after a timeout)."""
        signature = twilio_signature(self.webhook_url, form.items(), self.token)
        answer = requests.post(
            self.webhook_url, data=form, headers={SIGNATURE_HEADER: signature}, timeout=10
        )
        return answer.status_code

    def take(self, account: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """Answer one POST to the Messages resource as Twilio would."""
        with self._lock:
            self._sends += 1
            delay = self._delays.pop(0) if self._delays else 0.0
            failure = self._failures.pop(0) if self._failures else None
        if delay:
            self._released.wait(delay)
        if failure is not None:
            return failure, _error(20500 if failure >= 500 else 20429, "Scripted failure")
        to, body = form.get("To", ""), form.get("Body", "")
        sender = form.get("From") or form.get("MessagingServiceSid", "")
        if not to:
            return 400, _error(21604, "A 'To' phone number is required.")
        if not body:
            return 400, _error(21602, "Message body is required.")
        if not sender:
            return 400, _error(21603, "A 'From' phone number is required.")
        if not E164.match(to):
            return 400, _error(21211, "The 'To' number is not a valid phone number.")
        with self._lock:
            if to in self._stopped:
                return 400, _error(21610, "Attempt to send to unsubscribed recipient")
            text = {"sid": f"SM{uuid.uuid4().hex}", "to": to, "from": sender, "body": body}
            self._texts.append(text)
            held = len(self._texts)
        log.info("took a text; %d held", held)
        return 201, {**text, "account_sid": account, "status": "queued"}

    def control(self, order: dict[str, Any]) -> int | None:
        """Carry out a /control order; the webhook's status for a reply."""
        times = int(order.get("times", 1))
        if "stop" in order:
            self.stop_number(str(order["stop"]))
        if "fail" in order:
            self.fail_next(int(order["fail"]), times)
        if "delay_seconds" in order:
            self.delay_next(float(order["delay_seconds"]), times)
        if "reply" in order:
            reply = order["reply"]
            return self.reply(str(reply["from"]), str(reply["body"]), str(reply.get("to", "")))
        return None


def _error(code: int, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "status": 400}


def _handler_for(fake: FakeSmsProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keeps connections open, as the real API does

        def setup(self) -> None:
            fake.connected()
            super().setup()

        def do_GET(self) -> None:
            if self.path == "/texts":
                self._answer(200, {"texts": fake.texts()})
            else:
                self._answer(404, _error(20404, "Not found"))

        def do_DELETE(self) -> None:
            if self.path == "/texts":
                fake.forget()
                self._answer(204, None)
            else:
                self._answer(404, _error(20404, "Not found"))

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/control":
                try:
                    status = fake.control(json.loads(raw or b"{}"))
                except (ValueError, KeyError, TypeError):  # before LookupError: KeyError is one
                    self._answer(400, _error(20400, "Not a control order"))
                    return
                except LookupError as exc:
                    self._answer(409, _error(20409, str(exc)))
                    return
                except requests.RequestException as exc:
                    self._answer(502, _error(20502, f"Webhook unreachable: {type(exc).__name__}"))
                    return
                if status is None:
                    self._answer(204, None)
                else:
                    self._answer(200, {"status": status})
                return
            found = MESSAGES.match(self.path)
            if found is None:
                self._answer(404, _error(20404, "Not found"))
                return
            if found.group(1) != fake.account or not self._authorised():
                self._answer(401, _error(20003, "Authentication Error"))
                return
            fields = {key: values[0] for key, values in parse_qs(raw.decode()).items()}
            self._answer(*fake.take(fake.account, fields))

        def _authorised(self) -> bool:
            expected = base64.b64encode(f"{fake.account}:{fake.token}".encode()).decode()
            return self.headers.get("Authorization", "") == f"Basic {expected}"

        def _answer(self, status: int, body: dict[str, Any] | None) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # request lines would carry nothing useful, and no number belongs in a log

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=env_int("CASEWORK_FAKE_SMS_PORT", 8010))
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--webhook", default=env_str("CASEWORK_FAKE_SMS_WEBHOOK_URL", ""))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    fake = FakeSmsProvider(args.bind, args.port, webhook_url=args.webhook).start()
    log.info("fake SMS provider on %s (account %s)", fake.url, fake.account)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
