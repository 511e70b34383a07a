"""The ledger module: its states, its one reader and its one writer, on the file format."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from tidings.workspace import layout
from tidings.workspace.files import write_atomic
from tidings.workspace.ledger import (
    LedgerBook,
    LedgerState,
    PublishedPart,
    parse_entry,
)
from tidings.workspace.loader import Collector, load_ledger_entry

NOW = datetime(2026, 12, 10, 8, 0, tzinfo=UTC)
HASH = "sha256:" + "0" * 64
SCHEMA = Path(__file__).parents[2] / "tools/tidings/schemas/ledger.schema.json"


def test_the_states_are_the_schemas_and_know_what_is_final() -> None:
    schema = json.loads(SCHEMA.read_text())
    assert [s.value for s in LedgerState] == schema["$defs"]["state"]["enum"]
    assert {s for s in LedgerState if s.is_final} == {"published", "missed", "retracted"}
    assert [s for s in LedgerState if s.is_retryable] == [LedgerState.FAILED]
    assert {s for s in LedgerState if s.may_be_online} == {"published", "pending", "unknown"}


def test_what_the_book_writes_the_loader_reads_alike(tmp_path: Path) -> None:
    book = LedgerBook(tmp_path)
    book.update(
        "2026/12/a",
        "x",
        NOW,
        state=LedgerState.PENDING,
        note="attempt 1",
        content_hash=HASH,
        attempt_key="k-1",
        attempts=1,
        retry=True,
        error=None,
    )
    book.update("2026/12/a", "x", NOW, parts=[PublishedPart("1", "https://x.example/1")])
    written = book.update(
        "2026/12/a", "x", NOW, state=LedgerState.PUBLISHED, published_at="2026-12-10T08:00:00Z"
    )
    text = (tmp_path / "ledger/2026/12/a.yaml").read_text()
    assert "  x:\n    state: published\n" in text  # plain text, exactly as before the enum
    assert "\n    - at: '2026-12-10T08:00:00Z'\n      state: pending\n" in text

    out = Collector()
    loaded = load_ledger_entry(tmp_path, layout.ledger_path("2026/12/a"), out)
    assert out.items == [] and loaded is not None
    record = loaded.channels["x"]
    assert record.state is LedgerState.PUBLISHED and record.is_final
    assert record.parts == (PublishedPart("1", "https://x.example/1"),)
    assert (record.attempts, record.attempt_key, record.published_at) == (1, "k-1", NOW)
    assert loaded.content_hash == HASH
    assert written is not None and written.parts == record.parts
    fresh = LedgerBook(tmp_path).record("2026/12/a", "x")
    assert fresh is not None and fresh.state is record.state and fresh.parts == record.parts


def test_a_write_keeps_what_it_does_not_set(tmp_path: Path) -> None:
    path = tmp_path / "ledger/2026/12/a.yaml"
    write_atomic(
        path,
        "post: 2026/12/a\nchannels:\n  x:\n    state: failed\n    attempts: 2\n"
        "    history: []\n    extra: kept\n",
    )
    LedgerBook(tmp_path).update("2026/12/a", "x", NOW, error="boom")
    text = path.read_text()
    assert "state: failed\n    attempts: 2\n    updated: '2026-12-10T08:00:00Z'\n" in text
    assert "    error: boom\n    history: []\n    extra: kept\n" in text


def test_an_unreadable_file_or_record_reads_as_nothing(tmp_path: Path) -> None:
    assert parse_entry("ledger/a.yaml", "post: [") is None
    assert parse_entry("ledger/a.yaml", "post: a\nchannels: 3\n") is None
    entry = parse_entry("ledger/a.yaml", "post: a\nchannels:\n  x: {state: gone}\n")
    assert entry is not None and entry.post_id == "a" and entry.channels == {}
    assert LedgerBook(tmp_path).record("2026/12/none", "x") is None
