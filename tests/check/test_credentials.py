"""The credential key sets of the platform table agree with what each adapter reads, and the
Platforms page lists them."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tidings.core import credentials
from tidings.core.platforms import PLATFORMS, KeySet
from tidings.platforms import connect
from tidings.platforms.base import Caller, CredentialError
from tidings.workspace.model import Channel, Source

REPO = Path(__file__).parents[2]


def _nothing(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"connecting sent a request: {request.method} {request.url}")


def _channel(platform: str, keys: tuple[str, ...]) -> Channel:
    names = {key: f"T_{key.upper()}" for key in keys}
    return Channel("net", platform, Source("brand/channels.yaml"), credentials=names)


def _env(platform: str, keys: tuple[str, ...]) -> dict[str, str]:
    values = {
        "base_url": "https://example.social",
        "webhook_url": "https://hooks.example.com/services/T0/B0/abcdef123456",
        "refresh_token_file": "/tmp/tidings-test-refresh-token",
        "author_urn": "urn:li:organization:123",
        "user_id": "17841400000000000",
        "page_id": "100000000000000",
    }
    if platform == "discord":
        values["webhook_url"] = "https://discord.com/api/webhooks/1000/abcdef123456"
    return {f"T_{key.upper()}": values.get(key, f"value-of-{key}-123456") for key in keys}


@pytest.mark.parametrize(
    ("platform", "keyset"),
    [(p, s) for p, row in PLATFORMS.items() for s in row.credentials],
    ids=[f"{p}-{s.label or 'keys'}" for p, row in PLATFORMS.items() for s in row.credentials],
)
def test_the_required_keys_are_enough_to_connect(platform: str, keyset: KeySet) -> None:
    channel = _channel(platform, keyset.required)
    with httpx.Client(transport=httpx.MockTransport(_nothing)) as client:
        adapter = connect(channel, _env(platform, keyset.required), client, Caller(client))
        assert adapter.platform == platform
        for key in keyset.required:  # and each of them is needed
            fewer = tuple(k for k in keyset.required if k != key)
            with pytest.raises(CredentialError):
                connect(_channel(platform, fewer), _env(platform, fewer), client, Caller(client))


def test_every_network_takes_credentials_and_no_local_channel_does() -> None:
    for name, row in PLATFORMS.items():
        assert bool(row.credentials) != row.local, name


def test_the_platforms_page_lists_every_key() -> None:
    page = (REPO / "site/platforms.md").read_text()
    table = page[page.index("## Credentials") :]
    for platform, row in PLATFORMS.items():
        for keyset in row.credentials:
            for key in (*keyset.required, *keyset.optional):
                assert f"`{key}`" in table, (platform, key)
    assert "`api_base`" in table


def test_unknown_and_missing_keys_are_named() -> None:
    found = credentials.problems("slack", ["url"])
    assert found[0] == (
        "url",
        "slack does not read a credential called `url`",
        "did you mean `webhook_url`?",
    )
    assert found[1][0] is None and "`webhook_url`" in found[1][1]
    assert credentials.problems("x", ["api_key", "api_secret", "access_token"])[0][1] == (
        "x (OAuth 1.0a) needs `access_token_secret`"
    )
    assert credentials.problems("outbox", ["token"])[0][2] == "remove `credentials:`"
    assert credentials.problems("bluesky", ["handle", "app_password", "appview"]) == []
