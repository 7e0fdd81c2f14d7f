"""Error reporting is off without SENTRY_DSN and, with one, reaches the receiver scrubbed; logs
(plain or JSON) never carry a one-time sign-in code and show phone numbers masked."""

import gzip
import io
import json
import logging
import os
import re
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk
from django.urls import reverse

from core.logging import JsonFormatter, RedactPersonalData, sentry_before_send
from riders.sms import BaseSMSSender, LocmemSMSSender
from tests.conftest import ROOT
from tests.factories import RiderFactory

PHONE, MASKED, CODE = "13812345678", "138****5678", "482913"


def run_django(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh process after django.setup(), with these environment variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "LOG_"))}
    script = "import django\ndjango.setup()\n" + code
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "riders_portal.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def sentry_receiver():
    """A local HTTP server standing in for Sentry: it keeps every envelope it is sent."""
    envelopes: list[str] = []
    arrived = threading.Event()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            encoding = self.headers.get("Content-Encoding", "")
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            elif encoding == "br":
                import brotli

                body = brotli.decompress(body)
            envelopes.append(body.decode())
            arrived.set()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.envelopes, server.arrived = envelopes, arrived
    yield server
    server.shutdown()
    server.server_close()


# --- Sentry ---------------------------------------------------------------------------------
def test_without_a_dsn_nothing_is_initialised():
    assert not sentry_sdk.get_client().is_active()  # the test process has no SENTRY_DSN
    result = run_django(
        "import sentry_sdk\nprint(sentry_sdk.get_client().is_active())", SENTRY_DSN=""
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_with_a_dsn_an_error_reaches_the_receiver_without_phone_or_code(sentry_receiver):
    port = sentry_receiver.server_address[1]
    code = f"""
import logging
import sentry_sdk

def sign_in(phone, code):
    raise RuntimeError(f"gateway refused SMS to {{phone}}: your code is {{code}}")

try:
    sign_in("{PHONE}", "{CODE}")
except RuntimeError:
    sentry_sdk.capture_exception()
logging.getLogger("riders.sms").error("SMS to %s failed, code %s", "{PHONE}", "{CODE}")
sentry_sdk.flush(timeout=10)
print(sentry_sdk.get_client().is_active())
"""
    result = run_django(code, SENTRY_DSN=f"http://public@127.0.0.1:{port}/42")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True"
    assert sentry_receiver.arrived.wait(10), "no envelope reached the local receiver"
    received = "\n".join(sentry_receiver.envelopes)
    assert "gateway refused SMS to" in received  # the exception
    assert len(sentry_receiver.envelopes) == 2  # the exception and the error logged
    assert MASKED in received
    assert PHONE not in received and CODE not in received


def test_before_send_scrubs_every_part_of_an_event():
    event = {
        "event_id": "0123456789abcdef0123456789abcdef",
        "timestamp": "2026-12-01T12:00:00.123456Z",
        "message": f"code {CODE} for {PHONE}",
        "exception": {
            "values": [
                {
                    "value": f"bad code {CODE}",
                    "stacktrace": {
                        "frames": [
                            {"lineno": 123456, "vars": {"phone": f"'{PHONE}'", "code": f"'{CODE}'"}}
                        ]
                    },
                }
            ]
        },
        "breadcrumbs": {"values": [{"message": f"SMS to {PHONE}"}]},
        "request": {"data": {"phone": PHONE, "code": CODE}},
    }
    scrubbed = json.dumps(sentry_before_send(event, {}))
    assert PHONE not in scrubbed and CODE not in scrubbed and MASKED in scrubbed
    assert '"timestamp": "2026-12-01T12:00:00.123456Z"' in scrubbed  # structure kept
    assert '"lineno": 123456' in scrubbed


# --- Logs -----------------------------------------------------------------------------------
def make_logger(name: str, *, redact_codes: bool = True, json_format: bool = False):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactPersonalData(redact_codes=redact_codes))
    handler.setFormatter(JsonFormatter() if json_format else logging.Formatter("%(message)s"))
    logger = logging.getLogger(f"{name}.test-{id(stream)}")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def test_a_sign_in_log_record_never_contains_the_code():
    logger, stream = make_logger("riders.services")
    logger.warning("Gateway refused %s: %s", PHONE, f"Riders Portal sign-in code: {CODE}.")
    try:
        raise ValueError(f"code {CODE} rejected")
    except ValueError:
        logger.exception("Sending failed", extra={"sms_text": f"code {CODE}"})
    output = stream.getvalue()
    assert CODE not in output and PHONE not in output
    assert MASKED in output and "******" in output and "ValueError" in output


class CarelessGatewaySender(LocmemSMSSender):
    """A gateway integration that logs the whole message, code included: the mistake the
    filter is there for."""

    def send(self, message, *, timeout=None) -> str:
        message_id = super().send(message, timeout=timeout)
        logging.getLogger("riders.sms.gateway").warning(
            "Gateway accepted SMS to %s: %s", message.phone, message.text
        )
        return message_id


@pytest.mark.django_db
def test_the_sign_in_page_logs_no_code_through_the_configured_handler(
    client, settings, sms_outbox, monkeypatch
):
    assert issubclass(CarelessGatewaySender, BaseSMSSender)
    settings.SMS_SENDER = f"{__name__}.CarelessGatewaySender"
    console = next(
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RedactPersonalData) for f in handler.filters)
    )
    redactor = next(f for f in console.filters if isinstance(f, RedactPersonalData))
    monkeypatch.setattr(redactor, "redact_codes", True)  # as with DEBUG=0
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        rider = RiderFactory(phone=PHONE)
        response = client.post(reverse("riders:sign_in"), {"phone": PHONE}, follow=True)
    finally:
        console.setStream(previous)
    assert response.status_code == 200 and sms_outbox
    sent_code = re.search(r"(?<!\d)\d{6}(?!\d)", sms_outbox[-1].text).group()
    output = stream.getvalue()
    assert "Gateway accepted SMS to" in output
    assert sent_code not in output and rider.phone not in output and MASKED in output


def test_other_loggers_keep_their_numbers_but_mask_phones():
    logger, stream = make_logger("governance.services")
    logger.info("Routed 123456 reports; rider %s", PHONE)
    assert stream.getvalue().strip() == f"Routed 123456 reports; rider {MASKED}"


def test_json_lines_carry_level_logger_message_and_extras():
    logger, stream = make_logger("riders.sms", json_format=True)
    logger.warning("SMS to %s: code %s", PHONE, CODE, extra={"report_id": 7})
    entry = json.loads(stream.getvalue())
    assert entry["level"] == "WARNING" and entry["logger"].startswith("riders.sms")
    assert entry["message"] == f"SMS to {MASKED}: code ******"
    assert entry["report_id"] == 7 and entry["time"].endswith("+00:00")


def test_production_settings_log_json_without_codes():
    """DEBUG=0 with LOG_FORMAT=json: the configured console handler, end to end."""
    code = f"""
import logging
logging.getLogger("riders.sms").warning("SMS to %s: code %s", "{PHONE}", "{CODE}")
"""
    result = run_django(code, DEBUG="0", SECRET_KEY="x" * 50, LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    sms = [line for line in lines if line["logger"] == "riders.sms"]
    assert sms and sms[0]["message"] == f"SMS to {MASKED}: code ******"
    assert CODE not in result.stderr and PHONE not in result.stderr


def test_the_console_sender_in_development_still_shows_the_code():
    """DEBUG=1: a developer signs in from the code in the console (docs/security.md)."""
    code = f"""
import logging
logging.getLogger("riders.sms").warning("SMS to %s: code %s", "{PHONE}", "{CODE}")
"""
    result = run_django(code, DEBUG="1")
    assert f"SMS to {MASKED}: code {CODE}" in result.stderr
