"""Taking published posts down: ``expires``, ``retract: true``, and ``tidings retract``.

A post is taken down on a channel when its record holds parts with a platform id, whatever
its state: ``published``, or a thread that stopped half-way (``failed``, ``missed``,
``unknown``) with its first parts online. A ``pending`` record belongs to a run that may
still be sending it: it is left alone, and taken down once it settles.

The order of events, as for publishing (write-ahead, exactly once):

1. **Claim**: the record gets a history line ``retracting: <why>`` (state unchanged); it is
   committed and, with ``--push``, pushed. A claim that does not land deletes nothing.
2. **Delete** every part, last part first (a platform that already lost the part counts as
   deleted).
3. **Record** ``retracted`` with who and why, and commit (and push).

A channel whose platform cannot delete (the platform table's ``can_delete``: Instagram,
Slack) is never claimed: it is reported once, with the address a person must delete by hand,
and the record keeps ``error: retract: …`` so it is not reported again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tidings.errors import PublishError, UsageError
from tidings.jobs.run import Landing, Options, Records, Run, RunReport
from tidings.platforms.base import Adapter, PlatformError, Remote
from tidings.workspace import layout
from tidings.workspace.ledger import ChannelRecord, LedgerBook, LedgerState
from tidings.workspace.model import Channel, Workspace

__all__ = [
    "ONLINE_STATES",
    "Removal",
    "RetractReport",
    "Retractor",
    "has_parts_online",
    "retract",
]

ONLINE_STATES = frozenset(
    {LedgerState.PUBLISHED, LedgerState.FAILED, LedgerState.MISSED, LedgerState.UNKNOWN}
)
"""States whose recorded parts are (or may be) online and are taken down; ``pending`` is
not among them (a run may be sending it), ``retracted`` is done."""

LEDGER = Records(layout.LEDGER, PublishError, "the ledger", "the ledger files")


def has_parts_online(rec: ChannelRecord | None) -> bool:
    """Whether ``rec`` names parts a take-down must delete."""
    return rec is not None and bool(rec.parts) and rec.state in ONLINE_STATES


@dataclass(frozen=True)
class Removal:
    """What became of one (post, channel) take-down. ``result`` is ``retracted``,
    ``failed`` (the platform refused: tried again by the next run), ``by hand`` (the
    platform cannot delete: ``urls`` must be deleted by a person), or ``pending`` (the claim
    did not land: nothing was deleted)."""

    post_id: str
    channel: str
    result: str
    detail: str
    urls: tuple[str, ...] = ()
    news: bool = True
    """False for a ``by hand`` said by an earlier run (a scheduled run says it once)."""


class Retractor:
    """Takes posts down within one run: the ledger ``book`` it writes, how it lands a
    commit (``land``: commit and, with --push, push the touched files), and how it gets an
    adapter for a channel."""

    def __init__(
        self,
        book: LedgerBook,
        now: datetime,
        land: Callable[[str], Landing],
        adapter: Callable[[Channel], Adapter],
    ) -> None:
        self.book = book
        self.now = now
        self.land = land
        self.adapter = adapter

    def take_down(self, ws: Workspace, ledger_id: str, cid: str, why: str) -> Removal | None:
        """Take the post ``ledger_id`` down on channel ``cid``; None when its record names
        nothing online (never published, pending, already retracted)."""
        rec = self.book.record(ledger_id, cid)
        if rec is None or not has_parts_online(rec):
            return None
        channel = ws.channels.get(cid)
        if channel is None:
            return Removal(ledger_id, cid, "failed", f"no channel {cid!r} in brand/channels.yaml")
        adapter = self.adapter(channel)
        tz = ws.brand.timezone if ws.brand is not None else UTC
        at = rec.published_at.astimezone(tz) if rec.published_at else None
        sent = f" sent at {at:%Y-%m-%d %H:%M %Z}" if at else ""  # in the brand's timezone
        urls = tuple(p.url or f"the message{sent} (id {p.id})" for p in rec.parts)
        if not adapter.can_delete:
            by_hand = (
                f"{channel.platform} cannot delete posts through its API: "
                f"delete by hand: {', '.join(urls)}"
            )
            news = rec.error != f"retract: {by_hand}"
            if news:  # said once, and kept in the record
                self.book.update(ledger_id, cid, self.now, error=f"retract: {by_hand}")
                self.land(f"retract: {ledger_id} on {cid}: delete it by hand")
            return Removal(ledger_id, cid, "by hand", f"{why}; {by_hand}", urls, news)
        self.book.update(ledger_id, cid, self.now, state=rec.state, note=f"retracting: {why}")
        claim = self.land(f"retract: claim {ledger_id} on {cid}")
        if claim.committed and not claim.pushed and claim.problem:
            return Removal(
                ledger_id,
                cid,
                LedgerState.PENDING.value,
                f"could not claim the take-down ({claim.problem}); nothing was deleted: "
                "the next run tries again",
                urls,
            )
        try:
            for part in reversed(rec.parts):
                adapter.delete(Remote(part.id, part.url, part.cid))
        except PlatformError as exc:
            self.book.update(ledger_id, cid, self.now, error=f"retract: {exc.message}")
            self.land(f"retract: {ledger_id} on {cid}: failed")
            return Removal(ledger_id, cid, LedgerState.FAILED.value, f"retract: {exc.message}")
        self.book.update(
            ledger_id, cid, self.now, state=LedgerState.RETRACTED, note=why, error=None
        )
        self.land(f"retract: {ledger_id} on {cid}: retracted")
        return Removal(ledger_id, cid, LedgerState.RETRACTED.value, why)


# ---------------------------------------------------------------- `tidings retract`


@dataclass
class RetractReport(RunReport):
    """What ``tidings retract`` did: one removal per channel that had something online."""

    post_id: str = ""
    removals: list[Removal] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Everything is down: nothing failed, and no channel needs a person."""
        return all(r.result == LedgerState.RETRACTED for r in self.removals)


def retract(
    root: Path,
    opts: Options,
    post: str,
    reason: str,
    *,
    channels: frozenset[str] = frozenset(),
    who: str = "a person",
) -> RetractReport:
    """Take the post ``post`` (its id or its file's path) down now on every channel (or on
    ``channels``) whose record names parts online; see the module docstring."""
    from tidings.core.credentials import unset_variables
    from tidings.core.replies import load as load_workspace
    from tidings.platforms import connect
    from tidings.platforms.base import Local

    if not reason.strip():
        raise UsageError("--reason is empty", "say why it comes down, e.g. --reason 'wrong price'")
    post_id = post.removeprefix("content/posts/").removesuffix(".md")
    with Run(root, opts) as run:
        run.start(LEDGER, "retract: records of an interrupted run")
        ws, _ = load_workspace(root)
        if post_id not in ws.ledger:
            known = post_id in ws.posts
            raise UsageError(
                f"post {post_id!r} has no ledger record"
                + (": it was never published" if known else ""),
                "give the post id of a published post, e.g. 2026/12/holiday-hours"
                if not known
                else "to keep it from going out, set `draft: true` or `retract: true`",
            )
        entry = ws.ledger[post_id]
        wanted = sorted(channels or entry.channels)
        unknown = [c for c in wanted if c not in entry.channels]
        if unknown:
            raise UsageError(
                f"post {post_id!r} has no record for channel(s) {', '.join(unknown)}",
                f"its channels: {', '.join(sorted(entry.channels))}",
            )
        book = LedgerBook(root, opts.env)
        adapters: dict[str, Adapter] = {}

        def adapter(channel: Channel) -> Adapter:
            missing = unset_variables(channel, opts.env)
            if missing:
                raise PublishError(
                    f"channel {channel.id!r}: credentials not set: {', '.join(missing)}",
                    "run it where the channel's secrets are set (the retract workflow)",
                )
            if channel.id not in adapters:
                local = Local(root, ws.settings.site_url, ws.brand.name if ws.brand else "tidings")
                adapters[channel.id] = connect(channel, opts.env, None, run.caller, local)
            return adapters[channel.id]

        def land(message: str) -> Landing:
            touched = sorted(book.touched)
            book.touched.clear()
            if not touched:
                return Landing(committed=False)
            return run.land(touched, message)

        report = RetractReport(post_id=post_id)
        why = f"retracted by {who}: {reason.strip()}"
        retractor = Retractor(book, opts.now, land, adapter)
        for cid in wanted:
            try:
                removal = retractor.take_down(ws, post_id, cid, why)
            except PublishError as exc:  # this channel's secrets are not here: say so, go on
                removal = Removal(post_id, cid, LedgerState.FAILED.value, exc.message)
            if removal is not None:
                report.removals.append(removal)
        return report
