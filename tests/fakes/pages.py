"""A web site on 127.0.0.1 for link-card tests: pages with and without Open Graph tags,
redirects, a huge page, a slow page, images, a 404. Every request is recorded (``seen``),
so a test can assert that a page was never fetched.

    with PageServer() as site, PageServer() as elsewhere:
        site.redirect("/away", elsewhere.url + "/og")   # off-origin
        site.url + "/og"
"""

from __future__ import annotations

import contextlib
import functools
import io
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image

__all__ = ["OG_DESCRIPTION", "OG_TITLE", "PageServer", "big_image", "small_png"]

OG_TITLE = "Gift vouchers & more | Lumengrain"
OG_DESCRIPTION = "Hand-printed vouchers in a linen envelope, from 20 euros."


@functools.cache
def small_png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (120, 63), (200, 120, 40)).save(buf, "PNG")
    return buf.getvalue()


@functools.cache
def big_image() -> bytes:
    """A 1600×1200 PNG of noise: about 5.7 MB, far over Bluesky's 1,000,000-byte thumb."""
    rng = random.Random(7)
    im = Image.frombytes("RGB", (1600, 1200), rng.randbytes(1600 * 1200 * 3))
    buf = io.BytesIO()
    im.save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def og_page(image: str | None = "/img/small.png") -> str:
    tag = f'<meta property="og:image" content="{image}">' if image else ""
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<title>Ignored title</title>"
        f'<meta property="og:title" content="{OG_TITLE.replace("&", "&amp;")}">'
        f'<meta property="og:description" content="{OG_DESCRIPTION}">'
        f"{tag}</head><body><h1>Vouchers</h1></body></html>"
    )


PLAIN = (
    "<html><head><title>Opening hours – Lumengrain</title>"
    '<meta name="description" content="Open Tuesday to Saturday, 10 to 18."></head>'
    "<body>hours</body></html>"
)


class PageServer:
    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes, float]] = {}
        self.seen: list[str] = []
        self.page("/og", og_page())
        self.page("/no-image", og_page(None))
        self.page("/plain", PLAIN)
        self.page("/big-image", og_page("/img/big.png"))
        self.page("/huge", "<html><head><title>Huge</title></head><body>" + "x" * 2_000_000)
        self.page("/slow", og_page(), delay=3.0)
        self.route("/json", 200, {"Content-Type": "application/json"}, b'{"title": "no"}')
        self.redirect("/moved", "/og")
        self.route("/img/small.png", 200, {"Content-Type": "image/png"}, small_png())
        self.route("/img/big.png", 200, {"Content-Type": "image/png"}, big_image())
        self._server: ThreadingHTTPServer | None = None

    def route(
        self, path: str, status: int, headers: dict[str, str], body: bytes, delay: float = 0.0
    ) -> None:
        self.routes[path] = (status, headers, body, delay)

    def page(self, path: str, html: str, delay: float = 0.0) -> None:
        self.route(path, 200, {"Content-Type": "text/html; charset=utf-8"}, html.encode(), delay)

    def redirect(self, path: str, to: str) -> None:
        self.route(path, 302, {"Location": to}, b"")

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> PageServer:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.seen.append(self.path)
                status, headers, body, delay = site.routes.get(
                    self.path.split("?")[0], (404, {"Content-Type": "text/html"}, b"gone", 0.0)
                )
                time.sleep(delay)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if not self.path.startswith("/huge"):  # the huge page says no length
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
