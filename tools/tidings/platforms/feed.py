"""The ``feed`` channel: an Atom feed of published posts; no account needed.

Each published post becomes an entry file (``<folder>/entries/<post-id>.json``) and the feed
(``<folder>/atom.xml``) is rewritten from all entries, newest first (the adapter keeps
the entries it has read, and reads again only the files that changed since), so it is the same
whichever order posts went out in (:func:`tidings.core.atom.atom_xml`). That folder is a
local copy (``build/`` is not committed): the site builds the feed it serves, at
``<site>/feed/atom.xml``, from the ledger's ``feed`` records.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tidings.core.atom import FeedEntry, atom_xml
from tidings.platforms import base
from tidings.workspace.files import write_atomic
from tidings.workspace.model import Channel
from tidings.workspace.timeparse import utc_stamp

DEFAULT_FOLDER = "build/feed"


class Feed(base.PlatformAdapter, platform="feed", idempotent=True):
    def __init__(self, root: Path, folder: str, site_url: str | None, title: str) -> None:
        self.root = root
        self.folder = root / folder.rstrip("/")
        self.site_url = (site_url or "").rstrip("/")
        self.title = title
        self._read: dict[Path, tuple[tuple[int, int], FeedEntry | None]] = {}
        """Each entry file as last read: its (mtime, size) and what it says."""

    def _entry(self, post_id: str) -> Path:
        return self.folder / "entries" / f"{post_id}.json"

    def page(self, post_id: str) -> str:
        return f"{self.site_url}/posts/{post_id}/" if self.site_url else f"posts/{post_id}/"

    def publish_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote:
        path = self._entry(out.file_id)
        data: dict[str, Any] = {}
        if index:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {}
        texts = list(data.get("parts", []))[:index]
        texts.append(out.parts[index].text)
        data = {
            "post": out.post_id,
            "send": out.file_id,
            "key": out.key,
            "published": utc_stamp(out.started),
            "parts": texts,
        }
        write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        self.write_feed()
        return base.Remote(id=f"{out.file_id}#{index}", url=self.page(out.post_id))

    def find_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote | None:
        try:
            data = json.loads(self._entry(out.file_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("key") == out.key and len(data.get("parts", [])) > index:
            return base.Remote(id=f"{out.file_id}#{index}", url=self.page(out.post_id))
        return None

    def delete(self, part: base.Remote) -> None:
        self._entry(part.id.rsplit("#", 1)[0]).unlink(missing_ok=True)
        self.write_feed()

    def _entry_of(self, path: Path) -> FeedEntry | None:
        """The entry file at ``path``, read again only when it changed since it was last
        read (another run may write the same folder); None when it does not read."""
        try:
            stat = path.stat()
        except OSError:
            return None
        seen = (stat.st_mtime_ns, stat.st_size)
        known = self._read.get(path)
        if known is not None and known[0] == seen:
            return known[1]
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            post, published = str(data["post"]), str(data["published"])
            parts = tuple(str(p) for p in data.get("parts", []))
            send = str(data.get("send") or post)  # an evergreen post's sends are entries apart
            entry: FeedEntry | None = FeedEntry(send, published, parts, self.page(post))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            entry = None
        self._read[path] = (seen, entry)
        return entry

    def write_feed(self) -> None:
        entries = []
        for path in sorted((self.folder / "entries").rglob("*.json")):
            entry = self._entry_of(path)
            if entry is not None:
                entries.append(entry)
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(self.folder / "atom.xml", atom_xml(self.title, self.site_url, entries))


def connect(channel: Channel, local: base.Local) -> Feed:
    """The feed for ``channel``, writing under ``local.root`` (its ``path``, or feed's own
    folder)."""
    return Feed(local.root, channel.path or DEFAULT_FOLDER, local.site_url, local.title)
