"""Writing ``ledger/<post-id>.yaml``: one file per post, one record per channel.

Only the publisher writes here. Every change is written atomically (a temporary file in the
same folder, then a rename), so a crash leaves the old file or the new one, never half of
one. Each state change is appended to the record's ``history``, which together with
``git log ledger/`` is the audit trail.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from tidings.redaction import redact
from tidings.workspace import layout
from tidings.workspace.model import PublishedPart
from tidings.workspace.timeparse import utc_stamp
from tidings.workspace.yamlsource import YamlProblem, parse_yaml

HEADER = (
    "# Written by `tidings publish`; do not edit by hand.\n"
    "# Settle a post that needs a person with `tidings resolve`. `git log ledger/` is the audit trail.\n"
)


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(data: Mapping[str, Any]) -> str:
    return HEADER + yaml.dump(
        dict(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class LedgerBook:
    """The ledger files of one workspace, read lazily and rewritten on every change."""

    def __init__(self, root: Path, env: Mapping[str, str] | None = None) -> None:
        self.root = root
        self.env = env  # secret values in it never reach a ledger file
        self._cache: dict[str, dict[str, Any]] = {}
        self.touched: set[str] = set()

    def path(self, post_id: str) -> Path:
        return self.root / layout.ledger_path(post_id)

    def entry(self, post_id: str) -> dict[str, Any]:
        if post_id not in self._cache:
            path = self.path(post_id)
            data: dict[str, Any] = {"post": post_id, "channels": {}}
            if path.is_file():
                try:
                    loaded = parse_yaml(path.read_text(encoding="utf-8")).data
                except (OSError, UnicodeDecodeError, YamlProblem):
                    loaded = None
                if isinstance(loaded, dict) and isinstance(loaded.get("channels"), dict):
                    data = loaded
            self._cache[post_id] = data
        return self._cache[post_id]

    def record(self, post_id: str, channel: str) -> dict[str, Any] | None:
        rec = self.entry(post_id)["channels"].get(channel)
        return rec if isinstance(rec, dict) else None

    def forget(self) -> None:
        """Drop cached entries (after git replaced the files on disk)."""
        self._cache.clear()

    def update(
        self,
        post_id: str,
        channel: str,
        now: datetime,
        *,
        state: str | None = None,
        note: str | None = None,
        content_hash: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Change one channel's record and write the file. A new ``state`` is added to the
        history with ``note``; ``fields`` (attempt_key, attempts, parts, error, …) are set."""
        data = self.entry(post_id)
        if content_hash and not data.get("content_hash"):
            data["content_hash"] = content_hash
            # keep the key order readable: post, content_hash, channels
            data = {
                "post": data["post"],
                "content_hash": content_hash,
                "channels": data["channels"],
            }
            self._cache[post_id] = data
        rec: dict[str, Any] = data["channels"].setdefault(channel, {})
        when = utc_stamp(now)
        if state is not None:
            rec["state"] = state
            item: dict[str, Any] = {"at": when, "state": state}
            if note:
                item["note"] = redact(note, self.env)
            history = rec.pop("history", [])
            history.append(item)
        else:
            history = rec.pop("history", [])
        for key, value in fields.items():
            if key == "parts":
                value = [_part(p) for p in value]
            elif isinstance(value, str):
                value = redact(value, self.env)
            rec[key] = value
        rec["updated"] = when
        rec["history"] = history  # last, so the file reads top-down: state, details, history
        order = (
            "state",
            "attempt_key",
            "attempts",
            "retry",
            "updated",
            "published_at",
            "parts",
            "error",
            "history",
        )
        ordered = {k: rec[k] for k in order if k in rec}
        ordered.update({k: v for k, v in rec.items() if k not in ordered})
        data["channels"][channel] = ordered
        write_atomic(self.path(post_id), dump(data))
        self.touched.add(layout.ledger_path(post_id))
        return ordered


def _part(part: PublishedPart | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(part, PublishedPart):
        out: dict[str, Any] = {"id": part.id, "url": part.url}
        if part.cid:
            out["cid"] = part.cid
        return out
    return dict(part)


def parts_of(record: Mapping[str, Any] | None) -> list[PublishedPart]:
    items: Iterable[Any] = (record or {}).get("parts") or ()
    return [
        PublishedPart(str(p["id"]), p.get("url"), p.get("cid"))
        for p in items
        if isinstance(p, dict) and p.get("id")
    ]
