"""pytest plugin: a real Mastodon API (the ``mastodon-mock`` package) on 127.0.0.1.

``mastodon_server`` (session) starts ``python -m mastodon_mock serve --in-memory`` on a
free port with an explicit config file (so no ``pyproject.toml`` is read), waits until
``/health`` answers, and stops it at the end. ``mastodon`` (function) is the same server
reset to its seed state (account ``testuser``, token ``mock_token``) with no fault rules.

Faults come from mastodon-mock's own control plane, ``POST /api/v1/_mock/faults``: a rule
matches a method and path (exact, glob or regex), answers with a forced status, body and
headers (``status``), with a 429 plus ``X-RateLimit-*`` and ``Retry-After: 300`` headers
(``ratelimit``; headers given here replace those defaults), with a 200 whose JSON is cut
off (``malformed``), after a delay (``latency``) or not at all (``timeout``); ``count``
limits how often it fires. Paths under ``/api/v1/_mock`` are never affected.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

TOKEN = "mock_token"  # mastodon-mock's seeded account testuser
START_TIMEOUT = 30.0

CONFIG = """\
[faults]
enabled = true

[ratelimit]
enabled = false

[streaming]
enabled = false
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class MastodonServer:
    """A running mastodon-mock, and the helpers the tests need."""

    base_url: str
    token: str
    process: subprocess.Popen[bytes]
    log: Path
    _http: httpx.Client = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10.0,
        )

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, **params: Any) -> Any:
        response = self._http.get(path, params=params)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        """Back to the seed state: no statuses, no media, no fault rules."""
        self._http.post("/api/v1/_mock/reset").raise_for_status()

    def env(self, token: str | None = None) -> dict[str, str]:
        """The environment a `mastodon` channel reads (names as in brand/channels.yaml)."""
        return {"MASTODON_BASE_URL": self.base_url, "MASTODON_ACCESS_TOKEN": token or self.token}

    def account_id(self) -> str:
        return str(self.get("/api/v1/accounts/verify_credentials")["id"])

    def statuses(self) -> list[dict[str, Any]]:
        """All of the account's statuses, newest first."""
        found: list[dict[str, Any]] = []
        path = f"/api/v1/accounts/{self.account_id()}/statuses"
        params: dict[str, Any] = {"limit": 40}
        while True:
            page = self.get(path, **params)
            found.extend(page)
            if len(page) < 40:
                return found
            params["max_id"] = page[-1]["id"]

    def status(self, status_id: str) -> dict[str, Any]:
        return dict(self.get(f"/api/v1/statuses/{status_id}"))

    def fault(
        self,
        path: str,
        *,
        methods: tuple[str, ...] | None = None,
        effect: str = "status",
        status: int | None = None,
        headers: dict[str, str] | None = None,
        body: Any = None,
        count: int | None = 1,
        delay_ms: int = 0,
    ) -> str:
        """Add a fault rule (``path`` may hold ``*`` globs); returns its id."""
        spec: dict[str, Any] = {
            "match": {"path": path, "methods": list(methods) if methods else None},
            "effect": {"type": effect, "headers": headers or {}, "delay_ms": delay_ms},
            "count": count,
        }
        if status is not None:
            spec["effect"]["status"] = status
        if body is not None:
            spec["effect"]["body"] = body
        response = self._http.post("/api/v1/_mock/faults", json=spec)
        response.raise_for_status()
        return str(response.json()["id"])

    def faults(self) -> list[dict[str, Any]]:
        """Rules still active, with their remaining budgets."""
        return list(self.get("/api/v1/_mock/faults"))

    def clear_faults(self) -> None:
        self._http.delete("/api/v1/_mock/faults").raise_for_status()


def _start(workdir: Path) -> MastodonServer:
    config = workdir / "mastodon_mock.toml"
    media = workdir / "media"
    media.mkdir(exist_ok=True)
    # top-level keys before the tables
    config.write_text(f'media_storage_path = "{media.as_posix()}"\n' + CONFIG, encoding="utf-8")
    log = workdir / "server.log"
    port = _free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mastodon_mock",
                "serve",
                "--config",
                str(config),
                "--in-memory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=workdir,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            break
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/health", timeout=1.0).status_code == 200:
                return MastodonServer(base_url, TOKEN, process, log)
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    _stop(process)
    output = log.read_text(encoding="utf-8", errors="replace")[-4000:]
    pytest.fail(
        f"mastodon-mock did not answer on {base_url} within {START_TIMEOUT:.0f} s "
        f"(exit code {process.returncode}); its output:\n{output}",
        pytrace=False,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def mastodon_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MastodonServer]:
    """One mastodon-mock for the whole session."""
    server = _start(tmp_path_factory.mktemp("mastodon"))
    try:
        yield server
    finally:
        server.close()
        _stop(server.process)


@pytest.fixture
def mastodon(mastodon_server: MastodonServer) -> Iterator[MastodonServer]:
    """The session's server, reset to its seed state, faults cleared afterwards too."""
    mastodon_server.reset()
    yield mastodon_server
    mastodon_server.clear_faults()
