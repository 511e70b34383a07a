"""Secrets never reach a ledger file or a message: the one scrubber, tidings.redaction."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from tidings.core.credentials import secret_values
from tidings.errors import CredentialError, PlatformError
from tidings.platforms import base
from tidings.redaction import redact, register
from tidings.workspace.ledger import LedgerBook, LedgerState
from tidings.workspace.model import Channel, Source

ENV = {"X_API_SECRET": "s3cr3t-value-123", "HOME": "/root", "BLUESKY_APP_PASSWORD": "abcd-efgh"}


def test_secret_values_are_replaced_by_their_names() -> None:
    text = "GET https://graph.example/me?access_token=s3cr3t-value-123 failed for /root"
    assert redact(text, ENV) == (
        "GET https://graph.example/me?access_token=<X_API_SECRET> failed for /root"
    )
    assert redact("login abcd-efgh refused", ENV) == "login <BLUESKY_APP_PASSWORD> refused"


def test_the_ledger_never_stores_a_secret(tmp_path: Path) -> None:
    book = LedgerBook(tmp_path, ENV)
    now = datetime(2026, 12, 10, 8, 0, tzinfo=UTC)
    book.update(
        "2026/12/a",
        "x",
        now,
        state=LedgerState.FAILED,
        note="echo s3cr3t-value-123",
        error="401 s3cr3t-value-123",
    )
    text = (tmp_path / "ledger/2026/12/a.yaml").read_text()
    assert "s3cr3t" not in text and text.count("<X_API_SECRET>") == 2


def test_a_registered_secret_is_gone_in_every_form_it_comes_back_in() -> None:
    """A platform may echo a secret URL-encoded, with JSON-escaped slashes or HTML-escaped;
    every form is replaced by the name it was registered under."""
    hook = "https://discord.com/api/webhooks/123/s3cr3t+t0ken/x&y"
    register(hook, "HOOK")
    for form in (hook, quote(hook, safe=""), hook.replace("/", "\\/"), html.escape(hook)):
        assert redact(f"echo {form} done") == "echo <HOOK> done"


def test_token_shapes_are_redacted_even_when_no_one_registered_them() -> None:
    jwt = "eyJ0eXAiOiJhdCtqd3QifQ.eyJzdWIiOiJkaWQ6cGxjOmFiYyJ9.c2lnbmF0dXJlLXZhbHVl"
    text = redact(
        f"Authorization: Bearer abcdefgh12345 refresh {jwt} "
        '?access_token=EAAGxyz123&x=1 {"refreshJwt": "zzz-secret-zzz"}'
    )
    assert "abcdefgh12345" not in text and "eyJ0" not in text and "EAAGxyz123" not in text
    assert "zzz-secret-zzz" not in text
    assert "Bearer [redacted]" in text and "access_token=[redacted]&x=1" in text


def test_every_error_message_and_hint_is_scrubbed_when_made() -> None:
    register("app-password-1234", "BSKY_PASS")
    error = PlatformError("login app-password-1234 refused", retryable=False)
    assert error.message == "login <BSKY_PASS> refused" == str(error)
    assert error.reworded(f"again: {error.message}").message == "again: login <BSKY_PASS> refused"
    hinted = CredentialError("bad", "check app-password-1234")
    assert hinted.hint == "check <BSKY_PASS>"


def test_a_channels_credentials_are_secret_whatever_the_variable_is_called() -> None:
    """``V1`` matches no secret-looking name: the value is redacted because the channel names
    it under ``credentials:``; addresses and names (``base_url``) stay readable, so a post's
    address in the ledger keeps its host."""
    channel = Channel(
        id="social",
        platform="mastodon",
        source=Source("brand/channels.yaml"),
        credentials={"base_url": "V0", "access_token": "V1"},
    )
    env = {"V0": "https://social.example", "V1": "plain-looking-value"}
    assert secret_values(channel, env) == {"plain-looking-value": "V1"}
    assert base.credential(channel, env, "access_token") == "plain-looking-value"
    assert base.credential(channel, env, "base_url") == "https://social.example"
    text = redact("https://social.example/@brand/1 plain-looking-value")
    assert text == "https://social.example/@brand/1 <V1>"
