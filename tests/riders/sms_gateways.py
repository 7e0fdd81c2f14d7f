"""Local stand-ins for the two SMS gateways: real HTTP servers speaking their documented APIs.

Each checks the request's signature as the gateway does (recomputed here from the raw request
with the test's secret, independently of the SDK) and answers in the gateway's documented
shapes: Aliyun dysmsapi 2017-05-25 SendSms (RPC API, ACS3-HMAC-SHA256 `Authorization`), Tencent
Cloud sms 2021-01-11 SendSms (TC3-HMAC-SHA256). The real SDKs are pointed at them through their
own endpoint and protocol settings (SMS_ALIYUN_ENDPOINT / SMS_TENCENT_ENDPOINT = http://…).

A test scripts the answers with `answer(...)` (one per request, in order; then success) and
reads what arrived in `requests`.
"""

import datetime as dt
import hashlib
import hmac
import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

ALIYUN_KEY_ID = "LTAI5tTestKeyId"
ALIYUN_KEY_SECRET = "aliyun-test-secret-never-real"
TENCENT_SECRET_ID = "AKIDtestsecretid"
TENCENT_SECRET_KEY = "tencent-test-secret-never-real"
TENCENT_APP_ID = "1400000001"
SIGN_NAME = "青岛骑手之家"

_serial = itertools.count(1)


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    signature_ok: bool

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Gateway:
    """One running local gateway."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    script: list[tuple[int, dict] | str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, *answers: tuple[int, dict] | str) -> None:
        """Queue answers: (HTTP status, JSON body), or "reset" to drop the connection."""
        with self.lock:
            self.script.extend(answers)

    def next_answer(self) -> tuple[int, dict] | str | None:
        with self.lock:
            return self.script.pop(0) if self.script else None


# --- Aliyun ----------------------------------------------------------------------------------
def _acs3_encode(value: str) -> str:
    return quote(value, safe="~")


def aliyun_signature_valid(received: Received, secret: str = ALIYUN_KEY_SECRET) -> bool:
    """ACS3-HMAC-SHA256 (Aliyun "V3 request signature"): recompute and compare."""
    auth = received.headers.get("authorization", "")
    if not auth.startswith("ACS3-HMAC-SHA256 "):
        return False
    fields = dict(part.split("=", 1) for part in auth[len("ACS3-HMAC-SHA256 ") :].split(","))
    signed = fields.get("SignedHeaders", "").split(";")
    if not {"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date"} <= set(signed):
        return False
    payload_hash = hashlib.sha256(received.body).hexdigest()
    if received.headers.get("x-acs-content-sha256") != payload_hash:
        return False
    query = "&".join(
        f"{_acs3_encode(k)}={_acs3_encode(v)}" for k, v in sorted(received.query.items())
    )
    headers = "".join(f"{name}:{received.headers.get(name, '').strip()}\n" for name in signed)
    canonical = "\n".join(
        [received.method, received.path or "/", query, headers, ";".join(signed), payload_hash]
    )
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    expected = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    return fields.get("Credential") == ALIYUN_KEY_ID and hmac.compare_digest(
        fields.get("Signature", ""), expected
    )


def aliyun_ok() -> tuple[int, dict]:
    return 200, {
        "Code": "OK",
        "Message": "OK",
        "BizId": f"9006197469{next(_serial):06d}^0",
        "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990",
    }


def aliyun_error(code: str, message: str = "", status: int = 200) -> tuple[int, dict]:
    """SendSms refusals come as HTTP 200 with a Code; API-level errors with 4xx/5xx."""
    return status, {"Code": code, "Message": message or code, "RequestId": "A1B2C3D4-0000"}


# --- Tencent ---------------------------------------------------------------------------------
def tencent_signature_valid(received: Received, secret: str = TENCENT_SECRET_KEY) -> bool:
    """TC3-HMAC-SHA256 (Tencent Cloud API 3.0 signature v3): recompute and compare."""
    auth = received.headers.get("authorization", "")
    if not auth.startswith("TC3-HMAC-SHA256 "):
        return False
    fields = dict(part.strip().split("=", 1) for part in auth[len("TC3-HMAC-SHA256 ") :].split(","))
    secret_id, date, service, terminator = fields.get("Credential", "////").split("/")
    timestamp = received.headers.get("x-tc-timestamp", "")
    if (
        secret_id != TENCENT_SECRET_ID
        or service != "sms"
        or terminator != "tc3_request"
        or fields.get("SignedHeaders") != "content-type;host"
        or dt.datetime.fromtimestamp(int(timestamp or 0), dt.UTC).strftime("%Y-%m-%d") != date
    ):
        return False
    canonical = "\n".join(
        [
            received.method,
            received.path or "/",
            "",
            f"content-type:{received.headers.get('content-type')}\n"
            f"host:{received.headers.get('host')}\n",
            "content-type;host",
            hashlib.sha256(received.body).hexdigest(),
        ]
    )
    scope = f"{date}/sms/tc3_request"
    to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            timestamp,
            scope,
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )

    def sign(key: bytes, message: str) -> bytes:
        return hmac.new(key, message.encode(), hashlib.sha256).digest()

    key = sign(sign(sign(f"TC3{secret}".encode(), date), "sms"), "tc3_request")
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(fields.get("Signature", ""), expected)


def tencent_ok(phone: str = "+8613800000000") -> tuple[int, dict]:
    return tencent_status("Ok", "send success", phone=phone)


def tencent_status(code: str, message: str, phone: str = "+8613800000000") -> tuple[int, dict]:
    """The per-number outcome in SendStatusSet (the call itself succeeded)."""
    return 200, {
        "Response": {
            "SendStatusSet": [
                {
                    "SerialNo": f"5000:10457106691570536578{next(_serial):06d}",
                    "PhoneNumber": phone,
                    "Fee": 1,
                    "SessionContext": "",
                    "Code": code,
                    "Message": message,
                    "IsoCode": "CN",
                }
            ],
            "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279",
        }
    }


def tencent_error(code: str, message: str = "") -> tuple[int, dict]:
    """An error of the call as a whole (auth, rate limit, internal): HTTP 200, Response.Error."""
    return 200, {
        "Response": {
            "Error": {"Code": code, "Message": message or code},
            "RequestId": "b1b2b3b4-0000-0000-0000-000000000000",
        }
    }


# --- The servers -----------------------------------------------------------------------------
def _handler(gateway: Gateway, verify, default, refuse):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet test output
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            received = Received(
                method="POST",
                path=parts.path,
                query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                signature_ok=False,
            )
            received.signature_ok = verify(received)
            with gateway.lock:
                gateway.requests.append(received)
            scripted = gateway.next_answer()
            if scripted == "reset":
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if not received.signature_ok:
                status, answer = refuse()
            else:
                status, answer = scripted or default(received)
            data = json.dumps(answer, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def start(kind: str) -> tuple[Gateway, ThreadingHTTPServer]:
    gateway = Gateway()
    if kind == "aliyun":
        handler = _handler(
            gateway,
            aliyun_signature_valid,
            lambda received: aliyun_ok(),
            lambda: aliyun_error(
                "SignatureDoesNotMatch", "Specified signature is not matched", 400
            ),
        )
    else:
        handler = _handler(
            gateway,
            tencent_signature_valid,
            lambda received: tencent_ok(received.json()["PhoneNumberSet"][0]),
            lambda: tencent_error("AuthFailure.SignatureFailure", "The provided credentials ..."),
        )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}"
    return gateway, server


TEMPLATES = {
    "aliyun": {
        "sign_in_code": "SMS_471234567",
        "officer_sign_in_code": "SMS_471234568",
        "bed_offer": "SMS_471234569",
        "offer_expiring": "SMS_471234570",
        "report_question": "SMS_471234571",
        "report_reopened": "SMS_471234572",
        "subsidy_decision": "SMS_471234573",
        "policy_notice": "SMS_471234574",
    },
    "tencent": {
        "sign_in_code": "2212001",
        "officer_sign_in_code": "2212002",
        "bed_offer": "2212003",
        "offer_expiring": "2212004",
        "report_question": "2212005",
        "report_reopened": "2212006",
        "subsidy_decision": "2212007",
        "policy_notice": "2212008",
    },
}


def settings_for(kind: str, url: str) -> dict[str, object]:
    """The settings (and, upper-cased, environment variables) that point a sender at `url`."""
    common = {"SMS_SIGN_NAME": SIGN_NAME, "SMS_TEMPLATES": TEMPLATES[kind]}
    if kind == "aliyun":
        return {
            **common,
            "SMS_SENDER": "riders.sms.AliyunSMSSender",
            "SMS_ALIYUN_ACCESS_KEY_ID": ALIYUN_KEY_ID,
            "SMS_ALIYUN_ACCESS_KEY_SECRET": ALIYUN_KEY_SECRET,
            "SMS_ALIYUN_ENDPOINT": url,
        }
    return {
        **common,
        "SMS_SENDER": "riders.sms.TencentSMSSender",
        "SMS_TENCENT_SECRET_ID": TENCENT_SECRET_ID,
        "SMS_TENCENT_SECRET_KEY": TENCENT_SECRET_KEY,
        "SMS_TENCENT_SDK_APP_ID": TENCENT_APP_ID,
        "SMS_TENCENT_ENDPOINT": url,
    }


def environment_for(kind: str, url: str) -> dict[str, str]:
    """For a worker process: the same as environment variables."""
    values = settings_for(kind, url)
    env = {name: str(value) for name, value in values.items() if name != "SMS_TEMPLATES"}
    for name, code in TEMPLATES[kind].items():
        env[f"SMS_TEMPLATE_{name.upper()}"] = code
    return env
