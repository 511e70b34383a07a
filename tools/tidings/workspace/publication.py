"""What the ledger says about posts: which are published, and which were renamed.

Pure functions over a Workspace; the planner and the ledger checks share them.
"""

from __future__ import annotations

from tidings.workspace.model import Workspace


def orphaned_entries(ws: Workspace) -> list[str]:
    """Ledger post ids whose post file no longer exists."""
    return sorted(pid for pid in ws.ledger if pid not in ws.post_files)


def renames(ws: Workspace) -> dict[str, str]:
    """New post id → old post id, for published posts whose file was moved.

    A post is a rename of an orphaned ledger entry when its text hash equals the hash the
    ledger recorded and it has no ledger entry of its own.
    """
    by_hash: dict[str, str] = {}
    for pid in orphaned_entries(ws):
        entry = ws.ledger[pid]
        if entry.content_hash:
            by_hash.setdefault(entry.content_hash, pid)
    out: dict[str, str] = {}
    for post in ws.posts.values():
        if post.id not in ws.ledger and post.content_hash in by_hash:
            out[post.id] = by_hash[post.content_hash]
    return out
