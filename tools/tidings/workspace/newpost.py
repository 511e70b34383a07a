"""Write a new post skeleton: a correctly named, valid file."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import yaml

from tidings.errors import UsageError
from tidings.workspace import layout


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:60].rstrip("-") or "post"


def post_skeleton(
    title: str, at: str | None, channels: Sequence[str], variant: tuple[str, str] | None = None
) -> str:
    """The new post's text. ``variant`` (channel id, network name): a `variants:` body to
    write for that channel, so a post going to several networks does not start as one text
    pasted to all (the brand's `brand.same-text` guideline)."""
    fields: dict[str, object] = {"title": title}
    lines = ["---", yaml.safe_dump(fields, allow_unicode=True, sort_keys=False).strip()]
    if at is not None:
        lines.append(f"at: {at}")
    lines.append(f"channels: [{', '.join(channels)}]")
    if at is None:
        lines.append("draft: true    # set `at: YYYY-MM-DD HH:MM` and remove this line when ready")
    lines.append("tags: []")
    if variant is not None:
        cid, network = variant
        lines += [
            "variants:",
            f"  {cid}:",
            f"    body: Write the {network} version here, in that network's own voice.",
        ]
    lines += ["---", "Write the post here.", ""]
    return "\n".join(lines)


def new_post_path(root: Path, title: str, local: datetime, slug: str | None = None) -> str:
    name = slug or slugify(title)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise UsageError(
            f"--slug {name!r} is not a valid file name", "use lower-case letters, digits and '-'"
        )
    rel = f"{layout.POSTS}/{local:%Y/%m}/{name}.md"
    if (root / rel).exists():
        raise UsageError(f"{rel} already exists", "pick another title or pass --slug NAME")
    return rel
