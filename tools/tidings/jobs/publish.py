"""`tidings publish`: post every due job exactly once, on time or not at all.

The order of events is the guarantee (DESIGN.md §4):

1. Sync with the remote, check the workspace, plan the jobs whose time has come.
2. **Claim**: write ``pending`` (with a fresh attempt key and lease) for every due job, a
   fresh lease for every job a crashed run left ``pending`` past its lease, ``missed`` for
   every job past the lateness window; commit them all in one commit; with ``--push`` push
   it, rebasing when someone else pushed first. A claim that does not land is never acted
   on: nothing is posted. After every push the ledger is read again (a rebase may have
   brought others' records).
3. **Reconcile** the jobs taken over: ask the platform for each part (idempotency key,
   record key, or recent posts) before sending anything again; when it cannot tell, record
   ``unknown`` for a person (``tidings resolve``).
4. **Send** part by part (a thread resumes after its last published part), checking before
   each job that its record is still this run's claim (as the ledger read after the last
   push says), and renewing the lease (commit and push a new token) before each further
   part of a thread, and for every job still to send once half the lease has gone by; then
   record ``published`` with ids and URLs, or ``failed`` with the platform's own message.
   Results are committed and pushed in **batches**: when ``Options.batch`` results are
   written, when the oldest is ``Options.batch_seconds`` old, before a lease renewal, and
   at the end. A crash between batches leaves the jobs sent since the last batch
   ``pending`` on the remote, under this run's claim: the next run reconciles them with
   the platform (step 3) and never sends them again.
5. **Retract** published posts whose ``expires`` has passed.

Adapters never see git or files; this module never sees HTTP.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tidings.check.runner import check_workspace
from tidings.core.credentials import unset_variables
from tidings.core.evergreen import recorded, sends_of
from tidings.core.linkcard import card_link, may_fetch, page_url
from tidings.core.media import prepare, public_url
from tidings.core.plan import Job, JobState, plan, renames
from tidings.core.platforms import PLATFORMS
from tidings.core.render import Rendered, render
from tidings.core.replies import TargetProblem, parse_target
from tidings.errors import MediaError, PublishError
from tidings.jobs.git import Repo, post_renames
from tidings.jobs.retract import Retractor, has_parts_online
from tidings.jobs.run import Landing, Options, Records, Run, RunReport
from tidings.platforms import connect
from tidings.platforms.base import (
    Adapter,
    CredentialError,
    LinkCardOut,
    Local,
    MediaFile,
    Outgoing,
    PlatformError,
    Remote,
    ReplyParent,
    Unknowable,
)
from tidings.platforms.linkcard import ALLOW_PRIVATE_ENV, fetch_card
from tidings.redaction import redact
from tidings.workspace import layout
from tidings.workspace.files import write_atomic
from tidings.workspace.ledger import (
    ChannelRecord,
    LedgerBook,
    LedgerState,
    PublishedPart,
    without_unclaimed,
)
from tidings.workspace.linkcards import LinkCard
from tidings.workspace.model import Channel, Post, Workspace
from tidings.workspace.timeparse import utc_stamp

__all__ = ["Options", "Outcome", "PublishError", "Report", "publish"]

CRASH_ENV = "TIDINGS_CRASH_AT"
"""Fault injection for the crash-safety tests: the process kills itself (SIGKILL) at the
named step (one of :data:`STEPS`)."""

PAUSE_ENV = "TIDINGS_PAUSE_AT"
"""Interleaving for the race tests: the process stops itself (SIGSTOP) the first time it
reaches the named step, so a test can run another writer before it continues (SIGCONT)."""

STEPS = ("planned", "claimed", "sent", "recorded", "landed")
"""The step boundaries, in order: ``planned`` (claims written, not committed), ``claimed``
(pending pushed), ``sent`` (the platform answered a part, nothing recorded), ``recorded``
(a job's result written, not committed), ``landed`` (a batch of results committed and
pushed). ``TIDINGS_CRASH_AT=recorded#3`` stops at the third time the step is reached."""

LEASE = timedelta(minutes=10)
"""A ``pending`` record whose lease (its ``updated`` time) is younger than this may belong
to a run that is still sending it, so it is left alone; an older one was left by a run that
died, and is reconciled. A missing lease, or one in the future, is expired. The sending run
renews the lease after every part; the schedule runs every 15 minutes, so the next scheduled
run picks up a dead run's job."""

RENEW = LEASE / 2
"""A run renews the lease of every job it has still to send once this long has passed
since it last wrote their leases (its claim counts from the run's start): another run takes
a job over only after a whole :data:`LEASE`, so the half left is the margin for one send."""

STALL = 3 * LEASE
"""A job still ``pending`` this long after its attempt began, its lease renewed all along,
has stayed pending across runs: the run reports it and exits 1."""


LEDGER = Records(layout.LEDGER, PublishError, "the ledger", "the ledger files")


@dataclass(frozen=True)
class Outcome:
    post_id: str
    channel: str
    result: str  # published, failed, missed, pending, in progress, unknown, retracted, skipped
    detail: str = ""
    url: str | None = None


@dataclass
class Report(RunReport):
    outcomes: list[Outcome] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    late: list[Outcome] = field(default_factory=list)
    """Jobs recorded ``missed`` because they came too late (not those whose post expired
    first): a post that was meant to go out and did not; ``--missed-is-error`` fails on them."""

    @property
    def ok(self) -> bool:
        bad = {LedgerState.FAILED, LedgerState.UNKNOWN, "skipped", LedgerState.PENDING}
        return not self.blocked and not any(o.result in bad for o in self.outcomes)


@dataclass
class _Claim:
    job: Job
    key: str
    started: datetime
    parts: list[PublishedPart]
    reconcile: bool
    lease: str = ""


class _Lost(Exception):
    """This run no longer holds the job's lease: another writer changed its record."""


def attempt_key(now: datetime) -> str:
    """``<UTC start>-<random>``: unique to one attempt of one run (two runs claiming the same
    job write different files, so git sees the conflict), and it says when it began."""
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(5)}"


def key_started(key: str, fallback: datetime) -> datetime:
    try:
        return datetime.strptime(key.split("-", 1)[0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return fallback


def _find(adapter: Adapter, out: Outgoing, index: int, thread: Sequence[Remote]) -> Remote | None:
    """``adapter.find_part``, where any failure leaves the outcome uncertain: the part may
    be out there, so the job must stay pending for the next run to look again, never become
    ``failed`` (a failed job is sent again)."""
    try:
        return adapter.find_part(out, index, thread)
    except PlatformError as exc:
        looked = f"{exc.message} (while looking for part {index + 1} on the platform)"
        raise exc.reworded(looked, uncertain=True) from None


def _expired(post: Post | None, now: datetime) -> bool:
    return post is not None and post.expires is not None and post.expires <= now


def _unclaimed(repo: Repo, paths: Sequence[str]) -> None:
    """Before leftover ledger files are committed: a claim a run wrote but never committed
    was never pushed, so nothing was sent for it (the write-ahead rule). It goes back to the
    record last committed, so the job is due again, not a mystery to reconcile."""
    for rel in paths:
        path = repo.root / rel
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        shown = repo.git("show", f"HEAD:{rel}", check=False)
        kept = without_unclaimed(text, shown.stdout if shown.returncode == 0 else None)
        if kept is None:
            path.unlink()
        elif kept != text:
            write_atomic(path, kept)


_REACHED: dict[str, int] = {}
"""How often each step was reached in this run (:func:`publish` clears it: a test process
runs many, and a forked run inherits its parent's counts)."""


def _asked(env: str, name: str) -> bool:
    """Whether the test's ``env`` names this step (``name``, or ``name#N``: its N-th time)."""
    wanted = os.environ.get(env, "")
    step, _, nth = wanted.partition("#")
    if step != name:
        return False
    return not nth or _REACHED[name] == int(nth)


def _crash_point(name: str) -> None:
    """A step boundary: die here, or stop here once, when a test asks for it."""
    _REACHED[name] = _REACHED.get(name, 0) + 1
    if _asked(CRASH_ENV, name):
        os.kill(os.getpid(), signal.SIGKILL)
    if _asked(PAUSE_ENV, name):
        del os.environ[PAUSE_ENV]
        os.kill(os.getpid(), signal.SIGSTOP)


def _checked(root: Path) -> tuple[Workspace, set[str]]:
    """The workspace and the posts whose checks fail. Errors in shared files (brand,
    channels, calendars, the ledger) stop the run, every time it reads the workspace.

    Renames come from the checkout's whole history; a shallow checkout is refused, since it
    would take a renamed published post for a new one and send it again."""
    result = check_workspace(root, renamed=post_renames(root, strict=True))
    shared = [f"{d.path}:{d.line}: {d.message}" for d in result.shared_errors()]
    if shared:
        raise PublishError(
            "shared files have errors, so nothing is published:\n  " + "\n  ".join(shared[:10]),
            "run `tidings check` and fix them",
        )
    return result.workspace, set(result.blocked_posts())


class Publisher:
    def __init__(self, run: Run) -> None:
        self.job = run
        self.root = run.root
        self.opts = run.opts
        self.book = LedgerBook(run.root, run.env, sync=False)
        self.report = Report()
        self._adapters: dict[str, Adapter] = {}
        self._stopped: dict[str, str] = {}
        self._site_url: str | None = None
        self._title = "tidings"
        self._started = run.opts.clock()
        self._diverged = False
        self._leased_at = self._started
        """When the leases of the jobs still to send were last written (the claim's lease is
        the run's ``now``, its start)."""
        self._waiting: list[_Claim] = []
        """The claims not yet sent (or given up), whose leases a renewal writes again."""
        self._batch: list[str] = []
        """The results recorded since the last commit, one line each: the commit says them."""
        self._batch_since = 0.0

    # ------------------------------------------------------------------ the run

    def run(self) -> Report:
        self.job.start(LEDGER, "publish: records of an interrupted run", settle=_unclaimed)
        ws, blocked = _checked(self.root)
        self.job.keep_secrets(ws.channels.values())
        self._site_url = ws.settings.site_url
        self._title = ws.brand.name if ws.brand else "tidings"
        self.report.warnings.extend(self.job.notes)
        ws, claims = self._claim(ws, blocked)
        if claims:
            _crash_point("claimed")
        self._waiting = list(claims)
        try:
            for claim in claims:
                self._do(ws, claim)
                self._waiting.remove(claim)
                if self.opts.progress is not None:
                    self.opts.progress(len(claims) - len(self._waiting), len(claims))
        except BaseException:
            # whatever went wrong, what was sent is recorded (the next run reconciles the rest)
            with contextlib.suppress(Exception):
                self._flush()
            raise
        self._flush()
        self._retract(ws)
        self.report.late = [
            o
            for o in self.report.outcomes
            if o.result == LedgerState.MISSED
            and not _expired(ws.posts.get(o.post_id), self.opts.now)
        ]
        return self.report

    # ------------------------------------------------------------------ claim

    def _jobs(self, ws: Workspace, blocked: set[str]) -> list[Job]:
        jobs = plan(
            ws,
            self.opts.now,
            days=0,
            blocked=frozenset(blocked),
            lateness=self.opts.lateness,
            everything_past=True,
        )
        if self.opts.only:
            jobs = [j for j in jobs if j.channel in self.opts.only]
        return jobs

    def _claim(self, ws: Workspace, blocked: set[str]) -> tuple[Workspace, list[_Claim]]:
        for _ in range(3):
            claims = self._claim_once(ws, blocked)
            if claims:
                _crash_point("planned")
            landed = self._land(f"publish: claim {len(claims)} job(s)")
            if landed:
                if self.opts.push:  # a clean rebase may have brought others' records
                    ws, blocked = _checked(self.root)
                    claims = self._yield_slots(ws, claims)
                return ws, claims
            # another run pushed to the same ledger files: take its state and decide again
            self.job.take_remote()
            self.book.forget()
            self.report.outcomes.clear()
            self.report.blocked.clear()
            ws, blocked = _checked(self.root)
        raise PublishError(
            "could not claim the due posts: other runs kept changing the ledger",
            "nothing was posted; the next scheduled run will try again",
        )

    def _claim_once(self, ws: Workspace, blocked: set[str]) -> list[_Claim]:
        now = self.opts.now
        claims: list[_Claim] = []
        for job in self._jobs(ws, blocked):
            pid, cid = job.ledger_id, job.channel
            rec = self.book.record(pid, cid)
            if job.state is JobState.MISSED:
                self.book.update(
                    pid,
                    cid,
                    now,
                    state=LedgerState.MISSED,
                    note=job.note,
                    content_hash=job.post.content_hash,
                )
                self._out(job, LedgerState.MISSED, job.note)
            elif job.state is JobState.BLOCKED:
                self.report.blocked.append(f"{job.post.id} on {cid}: checks fail")
            elif job.state is JobState.FAILED:
                self._out(job, LedgerState.FAILED, job.note)
            elif job.state is JobState.PENDING:
                claim = self._reclaim(ws, job, rec)
                if claim is not None:
                    # take the job over before looking or sending: a fresh lease, and a
                    # note of its own so two runs reconciling it at once conflict in git
                    claim.lease = secrets.token_hex(5)
                    self.book.update(
                        pid,
                        cid,
                        now,
                        state=LedgerState.PENDING,
                        note=f"reconciling attempt {claim.key}",
                        lease=claim.lease,
                    )
                    claims.append(claim)
            elif job.state is JobState.DUE:
                problem = self._unusable(ws, cid)
                if problem:
                    self._out(job, "skipped", problem)
                    continue
                attempts = (rec.attempts if rec else 0) + 1
                key = attempt_key(now)
                parts = list(rec.parts) if rec else []
                lease = secrets.token_hex(5)
                self.book.update(
                    pid,
                    cid,
                    now,
                    state=LedgerState.PENDING,
                    note=f"attempt {attempts}"
                    + (f", resuming after part {len(parts)}" if parts else ""),
                    content_hash=job.post.content_hash,
                    attempt_key=key,
                    lease=lease,
                    attempts=attempts,
                    retry=True,
                    error=None,
                    **({"rotation": job.rotation} if job.evergreen else {}),
                )
                claims.append(
                    _Claim(job, key, key_started(key, now), parts, reconcile=False, lease=lease)
                )
        return claims

    def _yield_slots(self, ws: Workspace, claims: list[_Claim]) -> list[_Claim]:
        """Give up each evergreen slot another run claimed before this run's claim landed.

        Two runs that read the same files choose the same post for a slot and conflict in
        its ledger file, like any job. Runs that read different files (a post added between
        them) may choose different posts, in different files, and both claims land. Right
        after its claim is pushed, a run sees every claim that landed before its own and
        none that landed after: so the run that finds another send recorded for its slot
        is the later one, and it records its own claim ``missed`` without sending. The
        earlier run never sees a rival at this point, so exactly one keeps the slot."""
        taken: dict[tuple[str, datetime], list[str]] = {}
        for send in recorded(ws):
            if send.record is not None and send.record.state is not LedgerState.MISSED:
                taken.setdefault((send.channel, send.at), []).append(send.ledger_id)
        kept: list[_Claim] = []
        for claim in claims:
            job = claim.job
            if not job.evergreen or claim.reconcile:
                kept.append(claim)
                continue
            others = [lid for lid in taken.get((job.channel, job.at), []) if lid != job.ledger_id]
            if not others:
                kept.append(claim)
                continue
            note = f"slot already filled by {others[0]} (another run claimed it first)"
            self.book.update(
                job.ledger_id, job.channel, self.opts.now, state=LedgerState.MISSED, note=note
            )
            self._out(job, "left alone", note)
            self._land_result(f"publish: {job.post.id} on {job.channel}: slot taken")
        return kept

    def _reclaim(self, ws: Workspace, job: Job, rec: ChannelRecord | None) -> _Claim | None:
        """A job a crashed run left pending: reconcile it now, or leave it to a person."""
        if rec is None or rec.state is LedgerState.UNKNOWN:
            self._out(
                job, LedgerState.UNKNOWN, "may or may not have gone out: run `tidings resolve`"
            )
            return None
        problem = self._unusable(ws, job.channel)
        if problem:
            self._out(job, LedgerState.PENDING, f"cannot reconcile: {problem}")
            return None
        key = rec.attempt_key or ""
        now = self.opts.now
        lease = rec.updated
        if not key:  # edited by hand: without its key nothing can be looked up safely
            self._out(
                job,
                LedgerState.UNKNOWN,
                "pending without an attempt_key (edited by hand?): run `tidings resolve`",
            )
            return None
        started = key_started(key, lease or now)
        if lease is not None and lease <= now and now - lease < LEASE:
            # the run that holds the lease may still be sending: never race it
            if now - started >= STALL:
                self._out(
                    job,
                    LedgerState.PENDING,
                    f"pending since {utc_stamp(started)}, across runs: look at the run that "
                    "holds it, or `tidings resolve` it",
                )
            else:
                self._out(job, "in progress", "another run is sending it; reconciled later")
            return None
        # no lease, an expired one, or one from the future: the run that wrote it is gone
        return _Claim(job, key, started, list(rec.parts), reconcile=True)

    def _unusable(self, ws: Workspace, channel_id: str) -> str:
        channel = ws.channels.get(channel_id)
        if channel is None:
            return f"no channel {channel_id!r} in brand/channels.yaml"
        row = PLATFORMS.get(channel.platform)
        if row is not None and row.local:
            return ""
        if row is None:
            return f"publishing to {channel.platform} is not supported yet"
        missing = unset_variables(channel, self.opts.env)
        if missing:
            return "credentials not set: " + ", ".join(missing)
        if channel_id in self._stopped:
            return self._stopped[channel_id]
        return ""

    # ------------------------------------------------------------------ git

    def _commit_touched(self, message: str) -> Landing:
        """Commit the ledger files the book touched; with --push, push them."""
        touched = sorted(self.book.touched)
        self.book.touched.clear()
        if not touched:
            return Landing(committed=False)
        landing = self.job.land(touched, message)
        # a push may have rebased onto other runs' records in the same files: read them again
        self.book.forget()
        return landing

    def _land(self, message: str) -> bool:
        """Commit what the book touched; with --push, push it. False on a push conflict."""
        landing = self._commit_touched(message)
        if landing.pushed or not (landing.committed and self.opts.push):
            return True
        if landing.conflict:
            return False
        # the remote cannot be reached: undo the local claim so nothing acts on it
        self.job.take_remote()
        raise PublishError(
            f"could not push the ledger: {landing.problem}",
            "nothing was posted; check the token's contents: write permission",
        )

    def _land_result(self, message: str) -> None:
        """A job's result is written: it joins the batch, which lands when it is full (by
        count or by age). Until then the remote holds the job's claim, ``pending``."""
        if not self._batch:
            self._batch_since = self.opts.clock()
        self._batch.append(message.removeprefix("publish: "))
        if (
            len(self._batch) >= max(1, self.opts.batch)
            or self.opts.clock() - self._batch_since >= self.opts.batch_seconds
        ):
            self._flush()

    def _batch_message(self) -> str:
        if len(self._batch) == 1:
            return f"publish: {self._batch[0]}"
        counts: dict[str, int] = {}
        for line in self._batch:
            result = line.rsplit(": ", 1)[-1]
            counts[result] = counts.get(result, 0) + 1
        said = ", ".join(f"{n} {result}" for result, n in counts.items())
        return f"publish: {len(self._batch)} results ({said})\n\n" + "\n".join(self._batch)

    def _flush(self) -> None:
        """Commit (with ``--push``, push) the results of the batch, if there are any."""
        if not self._batch:
            return
        message = self._batch_message()
        self._batch.clear()
        landing = self._commit_touched(message)
        if landing.committed and self.opts.push and not landing.pushed:
            self._diverged = True  # no lease can be renewed over this commit: send no more
            self.report.warnings.append(
                f"the ledger commit '{message.splitlines()[0]}' could not be pushed "
                f"({landing.problem}); the next run reconciles it with the platform"
            )
            return
        _crash_point("landed")

    # ------------------------------------------------------------------ send

    def _adapter(self, channel: Channel) -> Adapter:
        if channel.id not in self._adapters:
            local = Local(self.root, self._site_url, self._title)
            self._adapters[channel.id] = connect(
                channel, self.opts.env, None, self.job.caller, local
            )
        return self._adapters[channel.id]

    def _do(self, ws: Workspace, claim: _Claim) -> None:
        job = claim.job
        channel = ws.channels[job.channel]
        pid, cid, now = job.ledger_id, job.channel, self.opts.now
        try:
            self._before_send(claim)
        except _Lost:
            return
        if cid in self._stopped:
            self._fail(job, self._stopped[cid], retry=True, note="channel stopped")
            return
        try:
            adapter = self._adapter(channel)
            rendered = render(job.post, channel, ws.brand)
            uploads = [prepare(self.root, item, channel.platform) for item in rendered.media]
            # before anything is sent, and only while part 1 is still to go: a card is not
            # part of the exactly-once state, and a failed fetch is a text card
            card_out, card = (
                self._link_card(ws, job.post, rendered) if not claim.parts else (None, None)
            )
            out = Outgoing(
                post_id=job.post.id,
                channel=cid,
                parts=rendered.parts,
                media=tuple(
                    MediaFile(
                        u.path,
                        u.mime,
                        u.alt,
                        u.width,
                        u.height,
                        public_url(channel.media_base_url, self.root, u),
                    )
                    for u in uploads
                ),
                key=claim.key,
                started=claim.started,
                language=ws.brand.language if ws.brand else None,
                options=job.post.options_for(cid),
                link_card=card_out,
                send_id=job.ledger_id if job.evergreen else "",
            )
        except CredentialError as exc:
            self._fail(job, exc.message, retry=True)
            return
        except MediaError as exc:  # an image no rendition can fix: a person must change it
            self._fail(job, f"{exc.message} ({exc.hint})" if exc.hint else exc.message, retry=False)
            return
        if job.post.in_reply_to is not None:
            try:
                out = replace(out, reply_to=_reply_parent(adapter, job.post.in_reply_to))
            except PlatformError as exc:
                message = f"the item it answers: {exc.message}"
                if exc.auth:
                    self._stopped[cid] = f"channel stopped: {exc.message}"
                if claim.reconcile:  # parts may be out: never let it become failed (resent)
                    self.book.update(pid, cid, now, error=message)
                    self._out(job, LedgerState.PENDING, f"{message}; reconciled on the next run")
                    self._land_result(f"publish: {job.post.id} on {cid}: outcome uncertain")
                    return
                self._fail(job, message, retry=exc.retryable or exc.auth)
                return
        parts = list(claim.parts)
        thread = [Remote(p.id, p.url, p.cid) for p in parts]
        try:
            self._send(claim, adapter, out, thread)
        except _Lost:
            return
        except Unknowable as exc:
            self.book.update(
                pid,
                cid,
                now,
                state=LedgerState.UNKNOWN,
                note=str(exc) or "could not tell",
                error=str(exc),
            )
            self._out(job, LedgerState.UNKNOWN, f"{exc}: run `tidings resolve`")
            self._land_result(f"publish: {job.post.id} on {cid}: unknown")
            return
        except PlatformError as exc:
            if exc.uncertain:
                if exc.auth:
                    self._stopped[cid] = f"channel stopped: {exc.message}"
                self.book.update(pid, cid, now, error=exc.message)
                self._out(job, LedgerState.PENDING, f"{exc.message}; reconciled on the next run")
                self._land_result(f"publish: {job.post.id} on {cid}: outcome uncertain")
                return
            if exc.auth:
                self._stopped[cid] = f"channel stopped: {exc.message}"
            self._fail(job, exc.message, retry=exc.retryable or exc.auth)
            return
        recorded: dict[str, Any] = {"link_card": card} if card is not None else {}
        self.book.update(
            pid,
            cid,
            now,
            state=LedgerState.PUBLISHED,
            note="reconciled" if claim.reconcile else None,
            published_at=utc_stamp(now),
            parts=[PublishedPart(r.id, r.url, r.cid) for r in thread],
            error=None,
            **recorded,
        )
        _crash_point("recorded")
        shown = [f"{len(thread)} part(s)"] if len(thread) > 1 else []
        if job.evergreen:  # which slot it filled, in the brand's time
            shown.append(f"evergreen, slot {_local(ws, job.at):%a %d %b %H:%M}")
        self._out(job, LedgerState.PUBLISHED, "; ".join(shown), thread[0].url)
        self._land_result(f"publish: {job.post.id} on {cid}: published")

    def _link_card(
        self, ws: Workspace, post: Post, rendered: Rendered
    ) -> tuple[LinkCardOut | None, LinkCard | None]:
        """The link card of ``rendered``'s first link, read from its page when the post may
        fetch it (see :mod:`tidings.core.linkcard`): what the adapter sends, and what the
        ledger records. (None, None) when the channel shows no card."""
        link = card_link(rendered)
        if link is None:
            return None, None
        text = LinkCard(link.url, rendered.parts[0].text[link.start : link.end])
        own = ws.brand.own_domains if ws.brand else ()
        if not may_fetch(link.url, own, post.link_card):
            return None, text
        got = fetch_card(
            page_url(link.url),
            PLATFORMS[rendered.platform].link_card_thumb,
            allow_private=self.opts.env.get(ALLOW_PRIVATE_ENV) == "1",
            follow=lambda address: may_fetch(address, own, post.link_card),
        )
        if got.card is None or got.problem is not None:
            return None, LinkCard(text.url, text.title, problem=got.problem)
        sent = LinkCardOut(link.url, got.card.title, got.card.description, got.thumb)
        kept = LinkCard(link.url, sent.title, sent.description, got.page, got.thumb is not None)
        return sent, kept

    def _send(self, claim: _Claim, adapter: Adapter, out: Outgoing, thread: list[Remote]) -> None:
        """Look for the parts a crashed attempt may have sent (when reconciling), then send
        the rest part by part, recording each and renewing the lease before the next."""
        if claim.reconcile:
            while len(thread) < len(out.parts):
                found = _find(adapter, out, len(thread), thread)
                if found is None:
                    break
                thread.append(found)
                self._progress(claim, thread, len(out.parts))
        while len(thread) < len(out.parts):
            index = len(thread)
            try:
                remote = adapter.publish_part(out, index, thread)
            except PlatformError as exc:
                if not exc.uncertain:
                    raise
                found = _find(adapter, out, index, thread)  # did it go out after all?
                if found is None:
                    raise
                remote = found
            _crash_point("sent")
            thread.append(remote)
            self._progress(claim, thread, len(out.parts))

    def _before_send(self, claim: _Claim) -> None:
        """Before a job is sent: with ``--push``, renew the leases of every job still to
        send once :data:`RENEW` has passed (so no other run takes them over while this one
        is still busy), and send nothing after a push failed; then raise :class:`_Lost`,
        having said so, when the record is no longer this run's claim (as the ledger read
        after the last push says: each batch's push brings others' changes)."""
        if self.opts.push:
            if self._diverged:
                self._out(claim.job, "in progress", "not sent: this run's ledger fell behind")
                raise _Lost
            if self.opts.clock() - self._leased_at >= RENEW.total_seconds():
                self._renew_all()
                if self._diverged:
                    self._out(claim.job, "in progress", "not sent: another run changed its record")
                    raise _Lost
        if not self._still_ours(claim):
            raise _Lost

    def _renew_all(self) -> None:
        """Write a fresh lease for every job still to send that is still this run's claim,
        and land them in one commit with the results not yet landed."""
        self._flush()
        if self._diverged:
            return
        self._leased_at = self.opts.clock()
        renewed = 0
        for claim in self._waiting:
            job = claim.job
            rec = self.book.record(job.ledger_id, job.channel)
            if (
                rec is None
                or rec.state is not LedgerState.PENDING
                or rec.attempt_key != claim.key
                or rec.lease != claim.lease
            ):
                continue  # no longer ours: _still_ours says so before it would be sent
            claim.lease = secrets.token_hex(5)
            self.book.update(job.ledger_id, job.channel, self._lease_time(), lease=claim.lease)
            renewed += 1
        landing = self._commit_touched(f"publish: leases of {renewed} job(s) still to send renewed")
        if landing.committed and self.opts.push and not landing.pushed:
            self._diverged = True

    def _renew(self, claim: _Claim, what: str) -> None:
        """Renew the claim's lease before the next part of a thread (with ``--push``: land
        the batch, then commit and push a fresh lease token, so a run that took the job
        over in the meantime makes the push conflict); raise :class:`_Lost`, having said
        so, when the record is no longer this run's claim. Without ``--push`` no other run
        can race: the record is only read."""
        job = claim.job
        if self.opts.push:
            self._flush()  # the results before it land first, under their own message
            if self._diverged:
                self._out(job, "in progress", "not sent: this run's ledger fell behind another's")
                raise _Lost
            if not self._still_ours(claim):
                raise _Lost
            claim.lease = secrets.token_hex(5)
            self.book.update(job.ledger_id, job.channel, self._lease_time(), lease=claim.lease)
            landing = self._commit_touched(f"publish: {job.post.id} on {job.channel}: {what}")
            if landing.committed and not landing.pushed:
                self._diverged = True
                self._out(job, "in progress", "not sent: another run changed its record")
                raise _Lost
        if not self._still_ours(claim):
            raise _Lost

    def _still_ours(self, claim: _Claim) -> bool:
        """Whether the record still holds this run's claim, as the ledger now reads (after
        every fetch and rebase). Any other change (a person resolved it, another run took it
        over) is a conflict: the job is left to whoever changed it, and nothing is sent."""
        job = claim.job
        rec = self.book.record(job.ledger_id, job.channel)
        if (
            rec is not None
            and rec.state is LedgerState.PENDING
            and rec.attempt_key == claim.key
            and rec.lease == claim.lease
        ):
            return True
        now = rec.state.value if rec else "no record"
        self._out(job, "left alone", f"its record changed after this run claimed it ({now})")
        return False

    def _lease_time(self) -> datetime:
        """Now, for a lease: the run's instant plus the time it has been running."""
        return self.opts.now + timedelta(seconds=max(0.0, self.opts.clock() - self._started))

    def _progress(self, claim: _Claim, thread: Sequence[Remote], total: int) -> None:
        """Record the parts sent so far; before the next part, land them with a renewed lease
        so no other run takes the job over while this one is still sending it. (After the
        last part, the parts are written with the job's result, in one write.)"""
        pid, cid = claim.job.ledger_id, claim.job.channel
        if not self._still_ours(claim):  # never write parts into another writer's record
            raise _Lost
        if len(thread) < total:
            self.book.update(
                pid,
                cid,
                self._lease_time(),
                parts=[PublishedPart(r.id, r.url, r.cid) for r in thread],
            )
            self._renew(claim, f"part {len(thread)} of {total} sent")

    def _fail(self, job: Job, message: str, *, retry: bool, note: str | None = None) -> None:
        self.book.update(
            job.ledger_id,
            job.channel,
            self.opts.now,
            state=LedgerState.FAILED,
            note=note or ("will be retried" if retry else "permanent: fix the post, then resolve"),
            retry=retry,
            error=message,
        )
        self._out(job, LedgerState.FAILED, message)
        self._land_result(f"publish: {job.post.id} on {job.channel}: failed")

    def _out(self, job: Job, result: str, detail: str = "", url: str | None = None) -> None:
        detail = redact(detail, self.opts.env)
        self.report.outcomes.append(Outcome(job.post.id, job.channel, result, detail, url))

    # ------------------------------------------------------------------ expiry

    def _retract(self, ws: Workspace) -> None:
        """Take down every post whose ``expires`` has passed or that says ``retract: true``,
        on every channel whose record names parts online (a thread that stopped half-way
        too); see :mod:`tidings.jobs.retract`."""
        now = self.opts.now
        retractor = Retractor(self.book, now, self._commit_touched, self._adapter)
        who = self.opts.env.get("GITHUB_ACTOR") or "tidings publish"
        moved = renames(ws)  # a renamed post's record is under its old id
        for post in sorted(ws.posts.values(), key=lambda p: p.id):
            if post.retract:
                why = f"retracted by {who}: retract: true in {post.path}"
            elif post.expires is not None and post.expires <= now:
                why = f"expired {utc_stamp(post.expires)}"
            else:
                continue
            entry = ws.ledger.get(moved.get(post.id, post.id))
            ledger_id = entry.post_id if entry else post.id
            records = [(ledger_id, cid) for cid in post.channels]
            records += [(s.ledger_id, s.channel) for s in sends_of(ws, post.id)]
            for ledger_id, cid in records:
                if self.opts.only and cid not in self.opts.only:
                    continue
                if not has_parts_online(self.book.record(ledger_id, cid)):
                    continue
                if self._unusable(ws, cid):
                    continue
                removal = retractor.take_down(ws, ledger_id, cid, why)
                if removal is None or not removal.news:
                    continue
                result = "skipped" if removal.result == "by hand" else removal.result
                job = Job(post, cid, post.expires or now, JobState.DONE, "", ledger_id)
                self._out(job, result, removal.detail)


def _local(ws: Workspace, at: datetime) -> datetime:
    return at.astimezone(ws.brand.timezone) if ws.brand else at


def _reply_parent(adapter: Adapter, url: str) -> ReplyParent:
    """The platform's reference to the item a reply answers (the check vouched for the URL)."""
    target = parse_target(url)
    if isinstance(target, TargetProblem):
        raise PlatformError(f"{target.message} ({target.fix})", retryable=False)
    return adapter.reply_parent(target)


def publish(root: Path, opts: Options) -> Report:
    """Publish every due job in the checkout at ``root``; see the module docstring."""
    _REACHED.clear()
    with Run(root, opts) as run:
        return Publisher(run).run()
