"""Secrets from the environment never reach a ledger file or a message."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tidings.redaction import redact
from tidings.workspace.ledger import LedgerBook, LedgerState

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
