"""No secret reaches anything tidings prints or writes, whatever a platform answers.

The measure of issue 15 item 1. For every network in the platform table
(:data:`tidings.core.platforms.PLATFORMS`, so a new platform is covered by default) a brand
has one channel per error class below, each reaching the platform through its own echoing
proxy on 127.0.0.1. The proxy passes requests on to the platform (the fake in tests/fakes/,
the real mastodon-mock, the real PDS), except the one that creates a post: that gets the
error class's answer, and its body echoes everything the request carried (the
``Authorization`` header with the session JWT or the OAuth signature, the address with its
``access_token`` or webhook token, the form with the refresh token) plus every credential
value, with rich markup (``[bold]``, ``[/]``) in it. A failed session refresh answers the
write as an expired token and then refuses the refresh with the same echo.

The channels' credential variables are named ``V<class>_<key>``, matching no secret-looking
pattern: the values are redacted because a channel names them, not because of their names.

Then ``tidings publish --push`` runs once per channel, ``tidings site build`` and
``tidings review`` once, and no secret (nor its URL-encoded form) may be in: stdout, stderr,
the ledger files, ``git log -p`` of the remote, the built site, the review comment, or any
crash log the CLI points to.
"""

from __future__ import annotations

import importlib
import io
import json
import pkgutil
import re
import subprocess
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import yaml
from builders.posts import HELLO, post
from builders.remotes import git
from builders.workspaces import published
from click.testing import CliRunner
from fakes.cases import PlatformCase
from fakes.graph import GraphFake
from fakes.server import Fake
from PIL import Image

from tidings.cli.main import cli
from tidings.core.platforms import PLATFORMS


def _cases() -> list[PlatformCase]:
    import fakes

    found = []
    for info in pkgutil.iter_modules(fakes.__path__):
        case = getattr(importlib.import_module(f"fakes.{info.name}"), "CASE", None)
        if isinstance(case, PlatformCase):
            found.append(case)
    return found


CASES = _cases()
FIRST = "We open the new studio on Harbour Street today, with prints from the whole year."
SECOND = "Come by for tea and a look around, from 10:00 to 16:00."
MEDIA_BASE = "https://media.example.org/brand/media/"
ALT = "Four framed prints leaning on a white wall"
NETWORKS = sorted(name for name, row in PLATFORMS.items() if not row.local)
CLASSES = (
    "bad-request",
    "unauthorized",
    "forbidden",
    "rate-limited",
    "server-error",
    "html-page",
    "not-json",
    "refresh-failed",
)
STATUS = {
    "bad-request": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "rate-limited": 429,
    "server-error": 500,
    "html-page": 502,
    "not-json": 200,
    "refresh-failed": 401,
}
REFRESH = re.compile(r"refreshSession|/oauth/v2/accessToken|/oauth2/token")
GRAPH = {"threads", "instagram", "facebook"}
NOW = "2026-12-10 09:01"
PUBLIC_KEYS = {
    *("api_base", "base_url", "pds", "handle", "user_id", "page_id", "author_urn"),
    *("board_id", "chat_id", "account_id", "location_id", "token_url"),  # newer platforms
}
"""Credential keys that hold addresses, names and ids (shown in post addresses): every
other key holds a secret."""


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 800), (200, 180, 150)).save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class Target:
    """How to reach one platform: its channel credentials (key -> variable), the
    environment for a given base address, the upstream that really answers, and the path
    of the request that creates a post."""

    credentials: dict[str, str]
    env: Callable[[str], dict[str, str]]
    upstream: Callable[[httpx.Request], httpx.Response]
    write: str
    extra: dict[str, Any] = field(default_factory=dict)
    graph: bool = False
    """Errors in Meta's Graph shape (``{"error": {"message", "type", "code"}}``)."""


def _forward(base: str) -> Callable[[httpx.Request], httpx.Response]:
    """Pass a request on to a real server at ``base`` and bring its answer back."""
    client = httpx.Client(base_url=base, timeout=30.0)

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {
            k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")
        }
        answer = client.request(
            request.method,
            request.url.raw_path.decode("ascii"),
            headers=headers,
            content=request.content,
        )
        kept = {
            k: v
            for k, v in answer.headers.items()
            if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")
        }
        return httpx.Response(answer.status_code, headers=kept, content=answer.content)

    return handler


def _target(platform: str, request: pytest.FixtureRequest) -> Target:
    if platform == "mastodon":
        server = request.getfixturevalue("mastodon")
        return Target(
            {"base_url": "MASTODON_BASE_URL", "access_token": "MASTODON_ACCESS_TOKEN"},
            lambda base: server.env() | {"MASTODON_BASE_URL": base},
            _forward(server.base_url),
            r"/api/v1/statuses$",
        )
    if platform == "bluesky":
        pds = request.getfixturevalue("pds")
        account = pds.create_account()
        return Target(
            {"handle": "BLUESKY_HANDLE", "app_password": "BLUESKY_APP_PASSWORD", "pds": "PDS"},
            lambda base: {
                "BLUESKY_HANDLE": account.handle,
                "BLUESKY_APP_PASSWORD": account.password,
                "PDS": base,
            },
            _forward(pds.url),
            r"com\.atproto\.repo\.createRecord$",
        )
    case = next((c for c in CASES if c.platform == platform), None)
    assert case is not None, f"no fake for {platform}: add tests/fakes/{platform}.py"
    fake = case.make()
    if isinstance(fake, GraphFake):
        # Containers ready at the first status read (Meta's usual case for an image): the
        # CLI waits for real between reads, and the polling is tested with an injected
        # sleep in tests/platforms/test_instagram.py and test_threads.py.
        fake.polls = 0
    credentials = dict(case.credentials)
    extra: dict[str, Any] = dict(case.extra)
    if case.media_base_url:
        extra["media_base_url"] = MEDIA_BASE

    def env(base: str) -> dict[str, str]:
        return case.env(fake, base)

    if platform == "linkedin":  # with refresh credentials, so a refresh can fail
        # Images available at the first status read, as with the Graph fakes above: the CLI
        # waits for real between reads (the polling is tested with an injected sleep in
        # tests/platforms/test_linkedin.py).
        fake.processing_reads = fake.processing_refusals = 0  # type: ignore[attr-defined]
        credentials |= {
            "client_id": "LI_CLIENT",
            "client_secret": "LI_SECRET",
            "refresh_token": "LI_REFRESH",
        }

        def env(base: str) -> dict[str, str]:
            return case.env(fake, base) | {
                "LI_CLIENT": fake.client_id,  # type: ignore[attr-defined]
                "LI_SECRET": fake.client_secret,  # type: ignore[attr-defined]
                "LI_REFRESH": fake.refresh_token,  # type: ignore[attr-defined]
            }

    return Target(credentials, env, fake.dispatch, case.write, extra, platform in GRAPH)


class Echoing(Fake):
    """A proxy that answers the post-creating request with one error class, echoing every
    secret it was given, and notes every token that passes through it."""

    def __init__(self, target: Target, kind: str, values: list[str]) -> None:
        super().__init__()
        self.target = target
        self.kind = kind
        self.values = values
        self.seen: set[str] = set()
        self.echoed = 0

    def _note(self, request: httpx.Request) -> None:
        auth = request.headers.get("authorization", "")
        if auth:
            scheme, _, rest = auth.partition(" ")
            if scheme.lower() == "oauth":
                for name, value in re.findall(r'(\w+)="([^"]*)"', rest):
                    if name in ("oauth_signature", "oauth_token", "oauth_consumer_key"):
                        self.seen.add(value)
            else:
                self.seen.add(rest)
        for name, value in request.url.params.multi_items():
            if "token" in name or "secret" in name:
                self.seen.add(value)

    def _issued(self, response: httpx.Response) -> None:
        try:
            body = json.loads(response.content)
        except ValueError:
            return
        if isinstance(body, dict):
            for key in ("accessJwt", "refreshJwt", "access_token", "refresh_token"):
                if isinstance(body.get(key), str):
                    self.seen.add(body[key])

    def _echo(self, request: httpx.Request) -> str:
        self.echoed += 1
        sent = request.content[:2000].decode("utf-8", "replace")
        return (
            f"[bold]echo[/] [/] {request.method} {request.url} "
            f"authorization={request.headers.get('authorization', '')} body={sent} "
            f"credentials={' '.join(self.values)}"
        )

    def _error(self, request: httpx.Request, status: int, name: str) -> httpx.Response:
        echo = self._echo(request)
        headers = {"Retry-After": "0"} if status == 429 or status >= 500 else {}
        if self.kind == "html-page":
            page = f"<html><head><title>{echo}</title></head><body><h1>{echo}</h1></body></html>"
            return httpx.Response(
                status, text=page, headers=headers | {"content-type": "text/html"}
            )
        if self.kind == "not-json":
            return httpx.Response(status, text=echo, headers={"content-type": "text/plain"})
        body: dict[str, Any] = {
            "error": name or echo,
            "message": echo,
            "error_description": echo,
            "description": echo,  # the Telegram Bot API's error text
            "detail": echo,
            "title": echo,
            "errors": [{"message": echo, "detail": echo, "code": 89}],
        }
        if self.target.graph:
            code = 190 if status == 401 else 1
            body["error"] = {"message": echo, "type": "OAuthException", "code": code}
        return httpx.Response(status, json=body, headers=headers)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self._note(request)
        path = request.url.path
        if self.kind == "refresh-failed" and REFRESH.search(path):
            return self._error(request, 400, "InvalidRequest")
        if request.method == "POST" and re.search(self.target.write, path):
            name = "ExpiredToken" if self.kind == "refresh-failed" else ""
            return self._error(request, STATUS[self.kind], name)
        response = self.target.upstream(request)
        response.read()
        self._issued(response)
        return response


@pytest.fixture(params=NETWORKS)
def platform(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _secrets(target: Target, env: dict[str, str]) -> set[str]:
    """The values no output may hold: every credential but addresses, names and ids."""
    return {
        env[var]
        for key, var in target.credentials.items()
        if key not in PUBLIC_KEYS and env.get(var)
    }


def _forms(value: str) -> set[str]:
    return {value, quote(value, safe=""), quote(value, safe="/:")}


def test_no_secret_reaches_any_output(
    platform: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    target = _target(platform, request)
    probe = target.env("http://127.0.0.1:1")
    values = sorted(_secrets(target, probe))
    assert values, f"{platform}: its channel names no secret"
    channels: dict[str, Any] = {}
    env: dict[str, str] = {}
    proxies: dict[str, Echoing] = {}
    with ExitStack() as stack:
        for n, kind in enumerate(CLASSES):
            cid = f"c{n}"
            proxy = Echoing(target, kind, values)
            base = stack.enter_context(proxy.serve())
            proxies[cid] = proxy
            real = target.env(base)
            names = {key: f"V{n}_{i}" for i, key in enumerate(target.credentials)}
            channels[cid] = {"platform": platform, "credentials": names} | target.extra
            env |= {names[key]: real[var] for key, var in target.credentials.items()}
        overlay = {
            "brand/channels.yaml": yaml.safe_dump({"channels": channels}, sort_keys=False),
            HELLO: post(
                *channels,
                parts=(FIRST,) if PLATFORMS[platform].max_parts == 1 else (FIRST, SECOND),
                media=[("content/media/prints.png", ALT)],
            ),
            "content/media/prints.png": _png(),
        }
        remote, work = published(tmp_path, overlay)
        runner = CliRunner()
        said: list[str] = []
        logs: list[str] = []
        for cid in channels:
            args = [
                "--root",
                str(work),
                "publish",
                "--push",
                "--channel",
                cid,
                "--now",
                NOW,
                "--now-for-real",
            ]
            result = runner.invoke(cli, args, env=env | {"GIT_CONFIG_GLOBAL": "/dev/null"})
            said.append(f"{cid}: exit {result.exit_code}\n{result.stdout}{result.stderr}")
            logs += re.findall(r"details: (\S+)", result.stderr)
            assert "internal error" not in result.stderr or proxies[cid].kind == "not-json", said[
                -1
            ]
    site = tmp_path / "site"
    built = runner.invoke(
        cli, ["--root", str(work), "site", "build", "--out", str(site), "--now", NOW], env=env
    )
    assert built.exit_code == 0, built.stdout + built.stderr
    git(work, "switch", "-q", "-c", "edit")
    hello = work / HELLO
    hello.write_text(hello.read_text().replace("title: Opening", "title: Opening day"))
    git(work, "commit", "-qam", "edit the post")
    reviewed = runner.invoke(cli, ["--root", str(work), "review", "--base", "main"], env=env)
    assert reviewed.exit_code == 0, reviewed.stdout + reviewed.stderr

    seen = set().union(*(p.seen for p in proxies.values())) - {""}
    secrets = {form for value in {*values, *seen} for form in _forms(value) if len(value) >= 6}
    outputs = {
        "stdout/stderr": "\n".join(said),
        "crash logs": "\n".join(Path(log).read_text() for log in logs),
        "ledger files": "\n".join(
            p.read_text() for p in sorted((work / "ledger").rglob("*")) if p.is_file()
        ),
        "git log -p": subprocess.run(
            ["git", "--git-dir", str(remote), "log", "-p", "--all"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout,
        "site": "\n".join(
            p.read_bytes().decode("utf-8", "replace") for p in site.rglob("*") if p.is_file()
        ),
        "review comment": reviewed.stdout,
    }
    for where, text in outputs.items():
        leaked = sorted(s for s in secrets if s in text)
        assert not leaked, f"{platform}: {where} holds {leaked}"

    # the test can fail: every proxy echoed, the platforms' words reached the ledger
    assert all(p.echoed for p in proxies.values()), {c: p.echoed for c, p in proxies.items()}
    assert "echo" in outputs["ledger files"], outputs["ledger files"]
