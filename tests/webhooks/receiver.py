"""A real local webhook receiver for the tests: a threaded HTTP server on 127.0.0.1.

It checks each signature, records every POST with its delivery id and the answer it gave,
can be switched to answer 503, slowed down, or stopped and started again on the same port
(a receiver that is down refuses connections, like a crashed service).
"""

import hashlib
import hmac
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, *, secret: str = "s3cret", answer: int = 200, delay: float = 0.0) -> None:
        self.secret = secret
        self.answer = answer
        self.delay = delay
        self.lock = threading.Lock()
        # {"delivery_id", "event", "body" (raw bytes), "status", "signed"} per POST
        self.requests: list[dict] = []
        self.port = 0
        self.server: ThreadingHTTPServer | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = (
                    "sha256=" + hmac.new(receiver.secret.encode(), body, hashlib.sha256).hexdigest()
                )
                signed = hmac.compare_digest(self.headers.get("X-Signature", ""), expected)
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.answer if signed else 401
                with receiver.lock:
                    receiver.requests.append(
                        {
                            "delivery_id": self.headers.get("X-Delivery-Id"),
                            "event": self.headers.get("X-Event"),
                            "body": body,
                            "status": status,
                            "signed": signed,
                        }
                    )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler

    def start(self) -> None:
        """Listen (again) on the same port as before, or on a free one the first time."""
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Down: the port refuses connections until `start()`."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def accepted(self) -> list[str]:
        """Delivery ids of the POSTs answered 2xx, in order, repeats included."""
        with self.lock:
            return [r["delivery_id"] for r in self.requests if 200 <= r["status"] < 300]

    def duplicates(self) -> int:
        return sum(n - 1 for n in Counter(self.accepted()).values())
