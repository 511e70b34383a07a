"""The ledger against the files: published posts that are gone, renamed or edited."""

from __future__ import annotations

from collections.abc import Iterator

from tidings.check.codes import default_severity
from tidings.core.plan import orphaned_entries, renames
from tidings.diagnostics import Diagnostic, Pos
from tidings.workspace.layout import ledger_path, post_path, split_ledger_id
from tidings.workspace.ledger import LedgerState
from tidings.workspace.model import Workspace


def check(ws: Workspace) -> Iterator[Diagnostic]:
    moved = renames(ws)
    moved_from = set(moved.values())
    for new_id, old_id in sorted(moved.items()):
        post = ws.posts[new_id]
        yield Diagnostic.at(
            post.path,
            Pos(),
            default_severity("ledger.renamed"),
            "ledger.renamed",
            f"git's history shows this post was published as {post_path(old_id)} and then renamed; it will not be published again",
            f"nothing to do: its record stays in {ledger_path(old_id)}; for a new post, write a new file instead of renaming this one",
        )
    for pid in orphaned_entries(ws):
        if pid in moved_from:
            continue
        entry = ws.ledger[pid]
        live = [
            c
            for c, r in entry.channels.items()
            if r.state.may_be_online or (r.parts and r.state is not LedgerState.RETRACTED)
        ]
        if live:
            yield Diagnostic.at(
                entry.source.path,
                Pos(),
                default_severity("ledger.orphan"),
                "ledger.orphan",
                f"{post_path(split_ledger_id(pid)[0])} was published on {', '.join(live)} but its file is gone; deleting the file takes nothing down, and the posts stay online",
                "a deletion must be an explicit retraction: restore the file and set `retract: true` (the publish job takes it down), then delete the file once the ledger says retracted",
            )
    for pid, entry in ws.ledger.items():
        for cid, record in entry.channels.items():
            if cid not in ws.channels and "channels" not in ws.unreadable:
                yield Diagnostic.at(
                    entry.source.path,
                    record.source.pos(),
                    default_severity("ledger.unknown-channel"),
                    "ledger.unknown-channel",
                    f"the ledger records channel `{cid}`, which brand/channels.yaml no longer defines",
                    "keep the channel (it can stay unconfigured) so its history stays readable",
                    cid,
                )
        current = ws.posts.get(pid)
        if (
            current is not None
            and entry.content_hash
            and entry.content_hash != current.content_hash
        ):
            published = [c for c, r in entry.channels.items() if r.state is LedgerState.PUBLISHED]
            if published:
                yield Diagnostic.at(
                    current.path,
                    Pos(),
                    default_severity("ledger.changed"),
                    "ledger.changed",
                    f"the text changed after it was published on {', '.join(published)}; the edit is not sent there",
                    "publish a new post for a correction",
                )
