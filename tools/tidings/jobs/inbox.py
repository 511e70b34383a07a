"""`tidings inbox`: collect what people said to the brand, and commit the record.

1. With ``--push``, bring the checkout up to date first (as metrics does).
2. For every network channel of ``brand/channels.yaml`` whose platform has an inbox reader
   (``inbox_reader`` in its adapter module, found through the platform table), read the
   replies, mentions, quotes and comments that arrived since the channel's cursor
   (:class:`~tidings.platforms.base.InboxReader`). Paging is bounded; a run that stops at
   the bound goes on from there next time.
3. Add what is not recorded yet (by the platform's id: a rerun adds nothing twice), with
   ``answers`` = our post when the item replies to a part the ledger records on that
   channel (:func:`~tidings.core.inbox.our_parts`).
4. Look for the brand's own replies to every item not yet answered that arrived within
   :data:`~tidings.core.inbox.RECHECK`: an item the brand's account replied to on the
   platform is ``answered`` (when, and by which reply), whoever wrote the reply.
5. Apply ``content/inbox.yaml`` (``no-reply-needed``, signed) and brand.yaml's
   ``inbox.keep_text`` / ``keep_text_days`` (text is dropped from every channel's files,
   including one whose platform failed this run).
6. Write each channel's files that changed (``inbox/<channel>/<YYYY-MM>.yaml`` and its
   cursor, atomically), commit exactly those, and with ``--push`` push them, fetching and
   rebasing when another run pushed first.

A platform that fails (a revoked token, a 429 past the wait, an outage) marks only its
channel ``failed`` with the redacted error: its files stay as they were (its cursor does
not move), the other channels' are written. A channel without credentials or on a
platform without an inbox reader is ``skipped``. Readers never see git or files; this
module never sees HTTP.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC
from pathlib import Path
from typing import Any

from tidings.core.inbox import (
    apply_triage,
    keep_text,
    mark_answered,
    merge,
    our_parts,
    overdue,
    pending,
)
from tidings.core.listening import keep_text as listening_text
from tidings.core.listening import tally
from tidings.core.platforms import PLATFORMS, is_local
from tidings.errors import CredentialError, InboxError, PlatformError, TidingsError
from tidings.jobs.run import Options, Records, Run, RunReport, settings_workspace
from tidings.platforms.base import InboxReader, ListeningReader
from tidings.redaction import redact
from tidings.workspace import layout
from tidings.workspace.inbox import (
    Cursor,
    InboxItem,
    Triage,
    read_channel,
    read_cursor,
    read_triage,
    write_channel,
)
from tidings.workspace.listening import read_listening, write_listening
from tidings.workspace.model import Channel, Workspace

__all__ = ["ChannelOutcome", "Options", "Report", "collect_inbox"]

INBOX = Records(layout.INBOX, InboxError, "the inbox", "the inbox files")


@dataclass(frozen=True)
class ChannelOutcome:
    """One line of the summary: what happened to one channel."""

    channel: str
    platform: str
    state: str
    """``ok``, ``partial`` (the page bound ran out: the next run goes on), ``failed`` or
    ``skipped``."""
    added: int = 0
    answered: int = 0
    open: int = 0
    """Items still ``new``."""
    overdue: int = 0
    """Items still ``new`` past brand.yaml's ``inbox.respond_within`` (0 without one)."""
    requests: int = 0
    heard: int = 0
    """Public posts newly matched by brand.yaml ``listening``'s terms (see core.listening)."""
    detail: str = ""


@dataclass
class Report(RunReport):
    channels: list[ChannelOutcome] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    committed: bool = False
    pushed: bool = False
    push_failed: bool = False

    @property
    def ok(self) -> bool:
        return not self.push_failed and all(c.state != "failed" for c in self.channels)


class InboxRun:
    def __init__(self, run: Run) -> None:
        self.job = run
        self.root = run.root
        self.opts = run.opts

    def run(self) -> Report:
        self.job.start(INBOX, "inbox: records of an interrupted run")
        ws = self._workspace()
        self.job.keep_secrets(ws.channels.values())
        report = Report()
        triage = self._triage(report)
        try:
            for cid in sorted(ws.channels):
                channel = ws.channels[cid]
                if is_local(channel.platform):
                    continue  # outbox and feed: nobody answers there
                outcome, written = self._channel(ws, channel, triage)
                report.channels.append(outcome)
                report.paths.extend(written)
        finally:
            self.job.close()
        self._land(report)
        return report

    # ------------------------------------------------------------------ setup

    def _workspace(self) -> Workspace:
        return settings_workspace(self.root, InboxError, "the inbox was not collected")

    def _triage(self, report: Report) -> tuple[Triage, ...]:
        try:
            return read_triage(self.root)
        except InboxError as exc:
            report.warnings.append(
                f"{exc.message}; {layout.TRIAGE} was not applied this run (run `tidings check`)"
            )
            return ()

    # ------------------------------------------------------------------ one channel

    def _channel(
        self, ws: Workspace, channel: Channel, triage: Sequence[Triage]
    ) -> tuple[ChannelOutcome, list[str]]:
        cid, platform = channel.id, channel.platform
        try:
            items = read_channel(self.root, cid)
            cursor = read_cursor(self.root, cid, platform)
        except InboxError as exc:
            return ChannelOutcome(cid, platform, "failed", detail=exc.message), []
        row = PLATFORMS.get(platform)
        module = importlib.import_module(row.adapter) if row else None
        connect = getattr(module, "inbox_reader", None)
        state, detail, added, answered, requests = "skipped", "", 0, 0, 0
        if connect is None:
            detail = f"reading the inbox from {platform} is not supported yet"
        else:
            caller = self.job.caller()
            try:
                reader: InboxReader = connect(channel, self.opts.env, caller)
                items, cursor, added, answered, complete = self._read(
                    ws, channel, reader, items, cursor
                )
                state = "ok" if complete else "partial"
                if not complete:
                    detail = "more arrived than one run reads; the next run goes on"
            except CredentialError as exc:
                detail = exc.message
            except PlatformError as exc:
                state, detail = "failed", exc.message
            requests = caller.requests
        assert ws.brand is not None
        items = keep_text(apply_triage(items, triage), ws.brand.inbox, self.opts.now)
        if state in ("ok", "partial"):
            cursor = replace(cursor, last_run=self.opts.now)
        written = (
            write_channel(self.root, cid, platform, items, cursor)
            if items or state in ("ok", "partial")
            else []
        )
        heard, self._listen_requests = 0, 0
        if state in ("ok", "partial") and connect is not None:
            try:
                heard, more = self._listen(ws, channel, module)
                written += more
            except PlatformError as exc:
                state, detail = "failed", f"listening: {exc.message}"
            except InboxError as exc:
                state, detail = "failed", exc.message
        still = sum(1 for i in items if i.status == "new")
        outcome = ChannelOutcome(
            cid,
            platform,
            state,
            added=added,
            answered=answered,
            open=still,
            overdue=overdue(items, ws.brand.inbox.respond_within, self.opts.now),
            requests=requests + (self._listen_requests if connect is not None else 0),
            heard=heard,
            detail=redact(detail, self.opts.env),
        )
        return outcome, written

    def _read(
        self,
        ws: Workspace,
        channel: Channel,
        reader: InboxReader,
        items: list[InboxItem],
        cursor: Cursor,
    ) -> tuple[list[InboxItem], Cursor, int, int, bool]:
        reading = reader.read_inbox(cursor.position)
        ours = our_parts(ws.ledger, channel.id)
        items, added = merge(
            items, reading.arrivals, platform=channel.platform, channel=channel.id, ours=ours
        )
        waiting = pending(items, self.opts.now)
        answered = 0
        if waiting:
            since = min(i.at for i in waiting)
            replies = reader.our_replies(since, {i.id for i in waiting})
            items, answered = mark_answered(items, replies)
        position = reading.position if reading.position is not None else cursor.position
        return items, replace(cursor, position=position), added, answered, reading.complete

    _listen_requests = 0

    def _listen(self, ws: Workspace, channel: Channel, module: Any) -> tuple[int, list[str]]:
        """brand.yaml ``listening``'s terms on one channel, when its platform has a public
        search: each term read from its position, counted once, the newest kept; returns
        the matches added and the files written. Raises PlatformError, InboxError."""
        self._listen_requests = 0
        assert ws.brand is not None
        terms = ws.brand.listening.terms
        connect = getattr(module, "listening_reader", None)
        if not terms or connect is None:
            return 0, []
        caller = self.job.caller()
        reader: ListeningReader = connect(channel, self.opts.env, caller)
        record = read_listening(self.root, channel.id, channel.platform)
        added = 0
        try:
            for term in terms:
                heard = reader.listen(term, record.positions.get(term))
                record, counted = tally(record, term, heard)
                added += counted.added
        finally:
            self._listen_requests = caller.requests
        record = listening_text(record, ws.brand.inbox, self.opts.now)
        return added, write_listening(self.root, record)

    # ------------------------------------------------------------------ git

    def _land(self, report: Report) -> None:
        if not report.paths:
            return
        message = f"inbox: {_summary(report)}"
        landing = self.job.land(report.paths, message)
        report.committed, report.pushed = landing.committed, landing.pushed
        if not (landing.committed and self.opts.push) or landing.pushed:
            return
        report.push_failed = True
        last = landing.problem
        report.warnings.append(
            "the inbox was committed but could not be pushed"
            + (f" ({redact(last, self.opts.env)})" if last else "")
            + "; the next run reads from the remote's cursor again and adds what is missing"
        )


def _summary(report: Report) -> str:
    added = sum(c.added for c in report.channels)
    answered = sum(c.answered for c in report.channels)
    failed = [c.channel for c in report.channels if c.state == "failed"]
    text = f"{added} new item(s), {answered} answered"
    heard = sum(c.heard for c in report.channels)
    if heard:
        text += f", {heard} heard"
    return text + (f", failed: {', '.join(failed)}" if failed else "")


def collect_inbox(root: Path, opts: Options) -> Report:
    """Collect the inbox; see the module docstring. Raises TidingsError for a workspace or
    repository that cannot be used; platform failures are in the report."""
    if opts.now.tzinfo is None:
        raise TidingsError("internal: collect_inbox() needs an aware `now`")
    with Run(root, replace(opts, now=opts.now.astimezone(UTC))) as run:
        return InboxRun(run).run()
