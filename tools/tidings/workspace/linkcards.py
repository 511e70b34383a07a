"""Link cards as records: what a Bluesky link card said (kept in the ledger), and the preview's
cache of fetched cards in ``build/cache/link-cards/``.

:class:`LinkCard` is what readers see under a post: the link, its title and description,
the page actually read (after redirects; None for a text card) and whether a thumbnail went
with it. The publisher writes it into the channel's ledger record (``link_card:``), so the
preview shows the card that went out.

The cache is filled by ``tidings site build`` (which may fetch; see
``tidings.platforms.linkcard``) and only read by the site: ``index.json`` keyed by the page
address, each entry stamped with when it was fetched, and the thumbnails beside it, named
by a hash of their bytes. The fill fetches entries older than :data:`MAX_AGE` again; a
missing or unreadable file is an empty cache. Files are replaced atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tidings.workspace.files import write_atomic

__all__ = ["CACHE", "MAX_AGE", "CachedCard", "LinkCard", "load_cache", "read_card", "store"]

CACHE = "build/cache/link-cards"
MAX_AGE = timedelta(days=1)
"""A cached card older than this is fetched again (pages change; CI builds often)."""


@dataclass(frozen=True)
class LinkCard:
    """One link card as a reader sees it."""

    url: str
    """The link the card opens (as sent: UTM tags and all)."""
    title: str
    description: str = ""
    page: str | None = None
    """The page read for it, after redirects; None: a text card (not fetched, or failed)."""
    thumb: bool = False
    problem: str | None = None
    """Why it is a text card when a fetch was tried ("timed out", "404", …)."""

    def as_record(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "url": self.url,
            "title": self.title,
            "description": self.description,
            "page": self.page,
            "thumb": self.thumb,
        }
        if self.problem:
            out["problem"] = self.problem
        return out


def read_card(data: Any) -> LinkCard | None:
    """The card in a ledger record's ``link_card:`` mapping; None when it is not one."""
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        return None
    page = data.get("page")
    problem = data.get("problem")
    return LinkCard(
        url=data["url"],
        title=str(data.get("title") or ""),
        description=str(data.get("description") or ""),
        page=page if isinstance(page, str) else None,
        thumb=data.get("thumb") is True,
        problem=problem if isinstance(problem, str) else None,
    )


@dataclass(frozen=True)
class CachedCard:
    """A fetched card in the preview's cache."""

    title: str
    description: str
    page: str
    fetched: datetime
    thumb: Path | None = None
    """The thumbnail file (as the platform would get it), None when the page has none."""


def _index(root: Path) -> Path:
    return root / CACHE / "index.json"


def _read(root: Path) -> dict[str, Any]:
    try:
        data = json.loads(_index(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load_cache(root: Path, now: datetime | None = None) -> dict[str, CachedCard]:
    """The cached cards by page address; with ``now``, only those fetched less than
    :data:`MAX_AGE` before it (the fill fetches the others again; the site shows what the
    cache holds, however old, rather than nothing when a build is offline)."""
    out: dict[str, CachedCard] = {}
    for url, raw in _read(root).items():
        try:
            fetched = datetime.fromisoformat(raw["fetched"])
            if fetched.tzinfo is None:
                continue
            if now is not None and not now - MAX_AGE <= fetched <= now + MAX_AGE:
                continue
            name = raw.get("thumb")
            thumb = root / CACHE / name if isinstance(name, str) and "/" not in name else None
            out[str(url)] = CachedCard(
                str(raw["title"]),
                str(raw["description"]),
                str(raw["page"]),
                fetched,
                thumb if thumb is not None and thumb.is_file() else None,
            )
        except (KeyError, TypeError, ValueError):
            continue
    return out


def store(
    root: Path,
    url: str,
    title: str,
    description: str,
    page: str,
    fetched: datetime,
    thumb: tuple[bytes, str] | None,
) -> None:
    """Keep the card fetched for ``url`` (thumb: its bytes and MIME type)."""
    folder = root / CACHE
    folder.mkdir(parents=True, exist_ok=True)
    name = None
    if thumb is not None:
        data, mime = thumb
        ext = "png" if mime == "image/png" else "jpg"
        name = f"{hashlib.sha256(data).hexdigest()[:32]}.{ext}"
        if not (folder / name).is_file():
            tmp = folder / f".{name}.tmp"
            tmp.write_bytes(data)
            os.replace(tmp, folder / name)
    index = _read(root)
    index[url] = {
        "title": title,
        "description": description,
        "page": page,
        "fetched": fetched.astimezone(UTC).isoformat(),
        "thumb": name,
    }
    write_atomic(_index(root), json.dumps(index, indent=1, sort_keys=True) + "\n")
