"""Where things live in a tidings repository, and how to find the root."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from tidings.errors import WorkspaceError

MARKER = "tidings.yaml"
POSTS = "content/posts"
REPLIES = "content/replies"
REPLY_PREFIX = "replies/"
"""A reply's id is ``replies/<path under content/replies without .md>``."""
IDEAS = "content/ideas"
CALENDARS = "content/calendars"
MEDIA = "content/media"
LEDGER = "ledger"
METRICS = "metrics"
INBOX = "inbox"
TRIAGE = "content/inbox.yaml"
BRAND = "brand/brand.yaml"
CHANNELS = "brand/channels.yaml"
GOALS = "brand/goals.yaml"
COMPETITORS = "brand/competitors.yaml"
SAVED_REPLIES = "brand/replies.yaml"
PROFILES = "brand/profiles"
RENDITIONS = "build/renditions"


def find_root(start: Path) -> Path:
    """The nearest directory at or above ``start`` holding ``tidings.yaml``."""
    here = start.resolve()
    for candidate in (here, *here.parents):
        if (candidate / MARKER).is_file():
            return candidate
    raise WorkspaceError(
        f"no {MARKER} found in {here} or any folder above it",
        "run tidings inside a tidings repository, or pass --root DIR",
    )


def relpath(root: Path, path: Path) -> str:
    """``path`` (absolute, or relative to the current folder) relative to the root, with ``/``.

    A path outside the root comes back starting with ``../``.
    """
    full = Path(os.path.abspath(path))
    return Path(os.path.relpath(full, root.resolve())).as_posix()


def walk(root: Path, folder: str, suffixes: tuple[str, ...]) -> Iterator[str]:
    """Repository-relative paths of files under ``folder`` with one of ``suffixes``, sorted."""
    base = root / folder
    if not base.is_dir():
        return
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel = Path(dirpath).relative_to(root).as_posix()
        found.extend(
            f"{rel}/{name}"
            for name in filenames
            if name.endswith(suffixes) and not name.startswith(".")
        )
    yield from sorted(found)


def post_id(rel: str) -> str:
    """``content/posts/2026/12/a.md`` → ``2026/12/a``; ``content/replies/a.md`` → ``replies/a``."""
    if rel.startswith(REPLIES + "/"):
        return REPLY_PREFIX + rel[len(REPLIES) + 1 : -len(".md")]
    return rel[len(POSTS) + 1 : -len(".md")]


def post_path(pid: str) -> str:
    if pid.startswith(REPLY_PREFIX):
        return f"{REPLIES}/{pid[len(REPLY_PREFIX) :]}.md"
    return f"{POSTS}/{pid}.md"


def is_post_file(rel: str) -> bool:
    """A post or a reply: ``content/posts/…md`` or ``content/replies/…md``."""
    return rel.endswith(".md") and rel.startswith((POSTS + "/", REPLIES + "/"))


def ledger_path(pid: str) -> str:
    return f"{LEDGER}/{pid}.yaml"


def ledger_post_id(rel: str) -> str:
    return rel[len(LEDGER) + 1 : -len(".yaml")]


SLOT_MARK = "@"
"""Between an evergreen post's id and its slot's time in the id of one send's ledger entry."""


def slot_ledger_id(pid: str, at: datetime) -> str:
    """The ledger id of evergreen post ``pid`` sent into the posting slot at ``at``:
    ``<post id>@<UTC time>`` (``evergreen/prep@20261208T0800Z``). One file per send: the
    post goes out again and again, and each slot is claimed once."""
    return f"{pid}{SLOT_MARK}{at.astimezone(UTC):%Y%m%dT%H%MZ}"


def split_ledger_id(ledger_id: str) -> tuple[str, datetime | None]:
    """A ledger id's post id and, for an evergreen send, its slot's time (else None)."""
    pid, mark, stamp = ledger_id.rpartition(SLOT_MARK)
    if not mark or "/" in stamp:
        return ledger_id, None
    try:
        return pid, datetime.strptime(stamp, "%Y%m%dT%H%MZ").replace(tzinfo=UTC)
    except ValueError:
        return ledger_id, None
