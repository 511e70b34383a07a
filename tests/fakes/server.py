"""The part every fake platform shares: a request log, injected faults, two ways to serve.

A subclass implements :meth:`Fake.handle`. Faults are consulted first, in the order they
were added:

* ``fault(..., status=429, body=…, headers=…)`` answers instead of the platform (in that
  platform's own error shape, which the subclass's test passes in);
* ``fault(..., lost=True)`` lets the platform *apply* the request, then drops the
  connection before any response (a lost response: the write happened, the client cannot
  know);
* ``fault(..., delay=1.5)`` holds the request that long before handling it (a subprocess
  can be killed while its request is in flight).

In-process the dropped connection is ``httpx.RemoteProtocolError`` (what httpx raises when
a server closes without answering); served, the socket is really closed without a byte.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx


class Dropped(Exception):
    """The fake applied the request and closes the connection without answering."""


@dataclass
class _Fault:
    method: str | None
    path: re.Pattern[str]
    count: int | None
    status: int | None
    body: Any
    headers: dict[str, str]
    lost: bool
    delay: float


class Fake:
    """Subclass and implement :meth:`handle`; see the module docstring."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self._faults: list[_Fault] = []
        self.lock = threading.RLock()

    # -- for subclasses ------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        raise NotImplementedError

    # -- for tests -----------------------------------------------------------------------

    def fault(
        self,
        path: str,
        *,
        method: str | None = None,
        count: int | None = 1,
        status: int | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        lost: bool = False,
        delay: float = 0.0,
    ) -> None:
        """Affect the next ``count`` requests (None: all) whose path matches the regular
        expression ``path`` (searched, so ``"/2/tweets$"`` or ``"media_publish"``)."""
        with self.lock:
            self._faults.append(
                _Fault(
                    method,
                    re.compile(path),
                    count,
                    status,
                    body,
                    dict(headers or {}),
                    lost,
                    delay,
                )
            )

    def clear_faults(self) -> None:
        with self.lock:
            self._faults.clear()

    def calls(self, method: str, path: str) -> list[httpx.Request]:
        """The requests received whose method is ``method`` and path matches ``path``."""
        pattern = re.compile(path)
        return [r for r in self.requests if r.method == method and pattern.search(r.url.path)]

    def transport(self) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            request.read()
            try:
                return self.dispatch(request)
            except Dropped:
                raise httpx.RemoteProtocolError(
                    "Server disconnected without sending a response.", request=request
                ) from None

        return httpx.MockTransport(handler)

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Serve on 127.0.0.1; yields the base URL ``http://127.0.0.1:PORT``."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
                request = httpx.Request(
                    self.command,
                    f"http://{host}{self.path}",
                    headers=list(self.headers.items()),
                    content=body,
                )
                try:
                    response = fake.dispatch(request)
                except Dropped:
                    self.close_connection = True
                    return
                content = response.read()
                self.send_response(response.status_code)
                for name, value in response.headers.multi_items():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()

    # -- dispatch ------------------------------------------------------------------------

    def _take_fault(self, request: httpx.Request) -> _Fault | None:
        with self.lock:
            for fault in self._faults:
                if fault.method and fault.method != request.method:
                    continue
                if not fault.path.search(request.url.path):
                    continue
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                return fault
        return None

    def dispatch(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
        fault = self._take_fault(request)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.status is not None:
            if isinstance(fault.body, (dict, list)):
                return httpx.Response(fault.status, json=fault.body, headers=fault.headers)
            return httpx.Response(
                fault.status, content=str(fault.body or "").encode(), headers=fault.headers
            )
        with self.lock:
            response = self.handle(request)
        if fault is not None and fault.lost:
            raise Dropped
        return response
