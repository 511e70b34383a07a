"""The ``outbox`` channel: writes each rendered post as a JSON file; no account needed.

One file per (post, channel): ``<path>/<post-id>.json`` with every part as it would be sent
and the media files copied next to it; ``<path>/sent.log`` gets one line per part sent. It makes the whole publishing job runnable and
inspectable anywhere, and is what the example brand publishes to.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tidings.platforms import base
from tidings.workspace.files import write_atomic
from tidings.workspace.model import Channel

DEFAULT_FOLDER = "build/outbox"


class Outbox(base.PlatformAdapter, platform="outbox", idempotent=True):
    def __init__(self, root: Path, folder: str) -> None:
        self.root = root
        self.folder = folder.rstrip("/")

    def _file(self, post_id: str) -> Path:
        return self.root / self.folder / f"{post_id}.json"

    @staticmethod
    def _media_dir(path: Path) -> Path:
        return path.with_name(path.stem + ".media")

    def _read(self, path: Path) -> dict[str, Any]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _remote(self, out: base.Outgoing, index: int) -> base.Remote:
        rel = f"{self.folder}/{out.file_id}.json"
        return base.Remote(id=f"{out.file_id}#{index}", url=f"{rel}#part-{index + 1}")

    def publish_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote:
        path = self._file(out.file_id)
        data = self._read(path) if index else {}
        part = out.parts[index]
        media = []
        if index == 0:
            media_dir = self._media_dir(path)
            for item in out.media:
                media_dir.mkdir(parents=True, exist_ok=True)
                target = media_dir / item.path.name
                shutil.copyfile(item.path, target)
                media.append(
                    {
                        "file": target.relative_to(path.parent).as_posix(),
                        "mime": item.mime,
                        "width": item.width,
                        "height": item.height,
                        "alt": item.alt,
                    }
                )
        parts = [p for p in data.get("parts", []) if p.get("index") != index]
        parts.append(
            {
                "index": index,
                "key": out.part_key(index),
                "reply_to": thread[-1].id if thread else None,
                "text": part.text,
                "links": [{"text": part.text[k.start : k.end], "url": k.url} for k in part.links],
                "media": media,
            }
        )
        data = {
            "post": out.post_id,
            "channel": out.channel,
            "language": out.language,
            "parts": sorted(parts, key=lambda p: int(p["index"])),
        }
        write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        # the journal of every send, like a mail server's log: what went out, once per line
        with (self.root / self.folder / "sent.log").open("a", encoding="utf-8") as log:
            line = {"post": out.post_id, "part": index, "key": out.part_key(index)}
            if out.send_id:
                line["send"] = out.send_id
            log.write(json.dumps(line) + "\n")
        return self._remote(out, index)

    def find_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote | None:
        for part in self._read(self._file(out.file_id)).get("parts", []):
            if part.get("index") == index and part.get("key") == out.part_key(index):
                return self._remote(out, index)
        return None

    def delete(self, part: base.Remote) -> None:
        post_id = part.id.rsplit("#", 1)[0]
        path = self._file(post_id)
        path.unlink(missing_ok=True)
        shutil.rmtree(self._media_dir(path), ignore_errors=True)


def connect(channel: Channel, local: base.Local) -> Outbox:
    """The outbox for ``channel``, writing under ``local.root`` (its ``path``, or outbox's own
    folder)."""
    return Outbox(local.root, channel.path or DEFAULT_FOLDER)
