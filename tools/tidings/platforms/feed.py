"""The ``feed`` channel: an Atom feed of published posts; no account needed.

Each published post becomes an entry file (``<folder>/entries/<post-id>.json``) and the feed
(``<folder>/atom.xml``) is rewritten from all entries, newest first, so it is the same
whichever order posts went out in. The preview site serves the folder.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tidings.platforms import base
from tidings.workspace.files import write_atomic
from tidings.workspace.model import Channel
from tidings.workspace.timeparse import utc_stamp

ATOM = "http://www.w3.org/2005/Atom"
FEED_LIMIT = 50
DEFAULT_FOLDER = "build/feed"


class Feed(base.PlatformAdapter, platform="feed", idempotent=True):
    def __init__(self, root: Path, folder: str, site_url: str | None, title: str) -> None:
        self.root = root
        self.folder = root / folder.rstrip("/")
        self.site_url = (site_url or "").rstrip("/")
        self.title = title

    def _entry(self, post_id: str) -> Path:
        return self.folder / "entries" / f"{post_id}.json"

    def page(self, post_id: str) -> str:
        return f"{self.site_url}/posts/{post_id}/" if self.site_url else f"posts/{post_id}/"

    def publish_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote:
        path = self._entry(out.post_id)
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
            "key": out.key,
            "published": utc_stamp(out.started),
            "parts": texts,
        }
        write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        self.write_feed()
        return base.Remote(id=f"{out.post_id}#{index}", url=self.page(out.post_id))

    def find_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote | None:
        try:
            data = json.loads(self._entry(out.post_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("key") == out.key and len(data.get("parts", [])) > index:
            return base.Remote(id=f"{out.post_id}#{index}", url=self.page(out.post_id))
        return None

    def delete(self, part: base.Remote) -> None:
        self._entry(part.id.rsplit("#", 1)[0]).unlink(missing_ok=True)
        self.write_feed()

    def write_feed(self) -> None:
        entries = []
        for path in sorted((self.folder / "entries").rglob("*.json")):
            try:
                entries.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue
        entries.sort(
            key=lambda e: (str(e.get("published", "")), str(e.get("post", ""))), reverse=True
        )
        ET.register_namespace("", ATOM)
        feed = ET.Element(f"{{{ATOM}}}feed")
        ET.SubElement(feed, f"{{{ATOM}}}title").text = self.title
        ET.SubElement(feed, f"{{{ATOM}}}id").text = (
            self.site_url + "/feed/atom.xml" if self.site_url else "urn:tidings:feed"
        )
        newest = entries[0]["published"] if entries else utc_stamp(datetime(1970, 1, 1, tzinfo=UTC))
        ET.SubElement(feed, f"{{{ATOM}}}updated").text = newest
        if self.site_url:
            ET.SubElement(feed, f"{{{ATOM}}}link", href=self.site_url + "/")
        for item in entries[:FEED_LIMIT]:
            entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
            parts = [str(p) for p in item.get("parts", [])]
            first = parts[0].split("\n", 1)[0] if parts else item["post"]
            ET.SubElement(entry, f"{{{ATOM}}}title").text = first[:120]
            ET.SubElement(entry, f"{{{ATOM}}}id").text = f"urn:tidings:post:{item['post']}"
            ET.SubElement(entry, f"{{{ATOM}}}updated").text = item["published"]
            ET.SubElement(entry, f"{{{ATOM}}}published").text = item["published"]
            ET.SubElement(entry, f"{{{ATOM}}}link", href=self.page(item["post"]))
            ET.SubElement(entry, f"{{{ATOM}}}content", type="text").text = "\n\n".join(parts)
        self.folder.mkdir(parents=True, exist_ok=True)
        body = ET.tostring(feed, encoding="unicode", xml_declaration=False)
        write_atomic(
            self.folder / "atom.xml", '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"
        )


def connect(channel: Channel, local: base.Local) -> Feed:
    """The feed for ``channel``, writing under ``local.root`` (its ``path``, or feed's own
    folder)."""
    return Feed(local.root, channel.path or DEFAULT_FOLDER, local.site_url, local.title)
