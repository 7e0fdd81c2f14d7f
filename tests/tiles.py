"""A map tile server on 127.0.0.1 for the browser tests' maps and bench/lighthouse.py: any
/z/x/y.png answers one plain PNG, each request recorded."""

import io
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (226, 232, 236)).save(out, "PNG")
    return out.getvalue()


class TileServer:
    """A tile server on 127.0.0.1: a PNG for any /z/x/y.png, each request recorded."""

    def __init__(self) -> None:
        png, requests = _png(), []
        self.requests: list[tuple[int, int, int]] = requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                match = re.fullmatch(r"/(\d+)/(\d+)/(\d+)\.png", self.path)
                if not match:
                    self.send_error(404)
                    return
                requests.append(tuple(int(part) for part in match.groups()))
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(png)))
                self.end_headers()
                self.wfile.write(png)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/{{z}}/{{x}}/{{y}}.png"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
