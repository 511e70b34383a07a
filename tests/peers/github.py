"""A small fake of GitHub's REST API: the issue-comment and pull-request endpoints that
``tidings github`` uses, with GitHub's pagination (``Link: rel="next"``) and auth.

``FakeGitHub`` is one routing function over in-memory state. Tests hand it to
``httpx.MockTransport`` directly, or serve it on 127.0.0.1 with ``serve()`` so the real CLI
can run against it as a subprocess (``GITHUB_API_URL``). Every request is recorded.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

TOKEN = "ghs_fakeTokenThatMustNeverBePrinted0123456789"
BOT = "github-actions[bot]"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    authorization: str


@dataclass
class FakeGitHub:
    repository: str = "lumengrain/brand"
    token: str = TOKEN
    base_url: str = "http://github.test"
    per_page_cap: int = 100
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    pulls: list[dict[str, Any]] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    _next_id: int = 1000

    def add_comment(self, pr: int, body: str, login: str = "someone") -> dict[str, Any]:
        self._next_id += 1
        comment = {
            "id": self._next_id,
            "body": body,
            "user": {"login": login, "type": "Bot" if login.endswith("[bot]") else "User"},
            "html_url": f"https://github.test/{self.repository}/pull/{pr}#issuecomment-{self._next_id}",
        }
        self.comments.setdefault(pr, []).append(comment)
        return comment

    # ------------------------------------------------------------------ routing

    def route(
        self, method: str, url: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        parts = urlsplit(url)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        data = json.loads(body) if body else None
        auth = headers.get("authorization", "")
        self.requests.append(Request(method, parts.path, query, data, auth))
        if auth != f"Bearer {self.token}":
            return 401, {}, {"message": "Bad credentials"}
        repo = re.escape(self.repository)
        if m := re.fullmatch(rf"/repos/{repo}/issues/(\d+)/comments", parts.path):
            pr = int(m.group(1))
            if method == "GET":
                return self._page(self.comments.get(pr, []), parts.path, query)
            if method == "POST":
                return 201, {}, self.add_comment(pr, str(data["body"]), BOT)
        if (m := re.fullmatch(rf"/repos/{repo}/issues/comments/(\d+)", parts.path)) and (
            method == "PATCH"
        ):
            for comment in (c for cs in self.comments.values() for c in cs):
                if comment["id"] == int(m.group(1)):
                    if comment["user"]["login"] != BOT:
                        return 403, {}, {"message": "Resource not accessible by integration"}
                    comment["body"] = str(data["body"])
                    return 200, {}, comment
            return 404, {}, {"message": "Not Found"}
        if (m := re.fullmatch(rf"/repos/{repo}/pulls/(\d+)", parts.path)) and method == "GET":
            for pull in self.pulls:
                if pull["number"] == int(m.group(1)):
                    return 200, {}, pull
            return 404, {}, {"message": "Not Found"}
        if parts.path == f"/repos/{self.repository}/pulls" and method == "GET":
            state, head = query.get("state", "open"), query.get("head")
            found = [
                p
                for p in self.pulls
                if p["state"] == state
                and (
                    head is None
                    or f"{p['head']['repo']['owner']['login']}:{p['head']['ref']}" == head
                )
            ]
            return self._page(found, parts.path, query)
        return 404, {}, {"message": "Not Found"}

    def _page(
        self, items: list[dict[str, Any]], path: str, query: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        per_page = min(int(query.get("per_page", 30)), self.per_page_cap)
        page = int(query.get("page", 1))
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            rest = "&".join(f"{k}={v}" for k, v in query.items() if k != "page")
            headers["Link"] = f'<{self.base_url}{path}?{rest}&page={page + 1}>; rel="next"'
        return 200, headers, chunk

    # ------------------------------------------------------------------ transports

    def transport(self) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            status, headers, payload = self.route(
                request.method, str(request.url), request.content, dict(request.headers)
            )
            return httpx.Response(status, headers=headers, json=payload)

        return httpx.MockTransport(handler)


@contextmanager
def serve(fake: FakeGitHub) -> Iterator[str]:
    """Serve ``fake`` on 127.0.0.1; yields its base URL (for GITHUB_API_URL)."""

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, payload = fake.route(self.command, self.path, body, headers)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake.base_url
    finally:
        server.shutdown()
        server.server_close()
