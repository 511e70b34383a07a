"""pytest plugin: a real Bluesky PDS (``@atproto/pds`` with an in-memory PLC) on 127.0.0.1.

``pds`` (session) runs ``node tests/peers/pds/start.mjs``, waits for its ``PDS_URL=`` line
and stops it at the end (closing its stdin, then SIGTERM). It has:

* ``url``: the PDS base URL;
* ``create_account(handle=None) -> Account(did, handle, password)`` (a tuple; handles end
  in ``.test``; a unique one is made up when none is given);
* ``get_record(uri)`` → the record's ``{uri, cid, value}`` or None; ``list_records(repo,
  collection)`` → all of them, oldest first;
* ``xrpc(method, nsid, token=None, **httpx kwargs)`` for anything else.

``bluesky_account`` (function) is a fresh account per test. The PDS has no AppView, no
rate limits and no way to expire a session on demand: fakes cover those.

The Node packages are installed by ``make pds-peer`` (and so by ``make test``). When they
are missing the fixture fails, loudly: a skipped peer would let CI pass without the tests.
"""

from __future__ import annotations

import itertools
import os
import secrets
import selectors
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest

PDS_DIR = Path(__file__).parent / "pds"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


class Account(NamedTuple):
    did: str
    handle: str
    password: str


@dataclass
class BlueskyPDS:
    url: str
    process: subprocess.Popen[bytes] = field(repr=False)
    log: Path
    _http: httpx.Client = field(init=False, repr=False)
    _names: Iterator[int] = field(default_factory=itertools.count, repr=False)

    def __post_init__(self) -> None:
        self._http = httpx.Client(base_url=self.url, timeout=10.0)

    def xrpc(self, method: str, nsid: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self._http.request(method, f"/xrpc/{nsid}", headers=headers, **kwargs)
        if response.status_code != 200:
            raise AssertionError(f"{nsid}: {response.status_code} {response.text}")
        return response.json()

    def create_account(self, handle: str | None = None) -> Account:
        handle = handle or f"user{next(self._names)}-{secrets.token_hex(3)}.test"
        password = secrets.token_urlsafe(12)
        data = self.xrpc(
            "POST",
            "com.atproto.server.createAccount",
            json={"handle": handle, "password": password, "email": f"{handle}@example.com"},
        )
        return Account(data["did"], data["handle"], password)

    def get_record(self, uri: str) -> dict[str, Any] | None:
        repo, collection, rkey = uri.removeprefix("at://").split("/")
        response = self._http.get(
            "/xrpc/com.atproto.repo.getRecord",
            params={"repo": repo, "collection": collection, "rkey": rkey},
        )
        if response.status_code == 400 and response.json().get("error") == "RecordNotFound":
            return None
        response.raise_for_status()
        record: dict[str, Any] = response.json()
        return record

    def list_records(self, repo: str, collection: str = "app.bsky.feed.post") -> list[Any]:
        records: list[Any] = []
        cursor = None
        while True:
            params = {"repo": repo, "collection": collection, "limit": 100, "reverse": "true"}
            if cursor:
                params["cursor"] = cursor
            page = self.xrpc("GET", "com.atproto.repo.listRecords", params=params)
            records += page["records"]
            cursor = page.get("cursor")
            if not cursor or not page["records"]:
                return records

    def stop(self) -> None:
        self._http.close()
        if self.process.stdin:
            self.process.stdin.close()  # start.mjs stops when its stdin closes
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _wait_for_url(process: subprocess.Popen[bytes], log: Path) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT
    buffer = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(timeout=0.2):
                if process.poll() is not None:
                    break
                continue
            chunk = os.read(process.stdout.fileno(), 4096)
            if not chunk:
                break
            buffer += chunk
            for line in buffer.decode("utf-8", "replace").splitlines():
                if line.startswith("PDS_URL="):
                    return line.removeprefix("PDS_URL=").strip()
    process.kill()
    process.wait()
    state = (
        f"exited with {process.returncode}"
        if process.returncode is not None
        else "did not answer in time"
    )
    pytest.fail(
        f"the test PDS {state} (timeout {START_TIMEOUT:.0f} s).\n"
        f"stdout: {buffer.decode('utf-8', 'replace')}\n"
        f"stderr:\n{log.read_text(errors='replace')[-4000:]}",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def pds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BlueskyPDS]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("the Bluesky tests need Node.js (node) on PATH", pytrace=False)
    if not (PDS_DIR / "node_modules" / "@atproto" / "pds").is_dir():
        pytest.fail(
            f"the test PDS is not installed: run `make pds-peer` (it runs `npm ci` in "
            f"{PDS_DIR}); `make test` does it for you",
            pytrace=False,
        )
    log = tmp_path_factory.mktemp("pds") / "stderr.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [node, str(PDS_DIR / "start.mjs")],
            cwd=PDS_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
    server = BlueskyPDS(_wait_for_url(process, log), process, log)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def bluesky_account(pds: BlueskyPDS) -> Account:
    return pds.create_account()
