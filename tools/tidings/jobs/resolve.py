"""`tidings resolve`: a person settles a job the publisher could not.

A job is ``unknown`` when a run died and the platform could not say whether the post went
out, and ``failed`` for good when the platform rejected it. A person looks at the account,
then records what is true: it was published (here is the URL), send it again, or skip it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tidings.errors import UsageError
from tidings.jobs.run import Run
from tidings.workspace.ledger import LedgerBook, LedgerState, PublishedPart
from tidings.workspace.model import Workspace
from tidings.workspace.timeparse import utc_stamp

LEASE = timedelta(minutes=10)
"""How long a ``pending`` record belongs to the run that wrote it (``tidings publish``'s
lease: a test keeps the two equal); ``--retry`` is refused until it ends."""


def resolve(
    ws: Workspace,
    post_id: str,
    channel: str,
    now: datetime,
    *,
    published: str | None = None,
    retry: bool = False,
    skip: bool = False,
    who: str = "a person",
) -> str:
    """Record the decision in the ledger file; return what was done, in words."""
    if sum((published is not None, retry, skip)) != 1:
        raise UsageError(
            "say exactly one of --published URL, --retry or --skip",
            "e.g. tidings resolve 2026/12/holiday-hours mastodon --published https://…",
        )
    post_id = post_id.removeprefix("content/posts/").removesuffix(".md")
    post = ws.posts.get(post_id)
    if post is None and post_id not in ws.ledger:
        raise UsageError(f"no post {post_id!r}", "give the post id, e.g. 2026/12/holiday-hours")
    known = set(post.channels if post else ()) | set(
        ws.ledger[post_id].channels if post_id in ws.ledger else ()
    )
    if channel not in known:
        raise UsageError(
            f"post {post_id!r} does not go to channel {channel!r}",
            f"its channels: {', '.join(sorted(known))}",
        )
    book = LedgerBook(ws.root)
    rec = book.record(post_id, channel)
    if rec is not None and rec.state is LedgerState.PUBLISHED and published is None:
        raise UsageError(
            f"{post_id} is already published on {channel}",
            "a published post is never sent again; to take it down, set `expires:`",
        )
    if (
        retry
        and rec is not None
        and rec.state is LedgerState.PENDING
        and rec.updated is not None
        and now < rec.updated + LEASE
    ):
        ends = f"{(rec.updated + LEASE).astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        raise UsageError(
            f"{post_id} on {channel} is pending: a run may still be sending it (its lease "
            f"ends {ends})",
            "wait until then; the next run reconciles it with the platform, and only if it "
            "cannot tell does it ask for `tidings resolve`",
        )
    content_hash = post.content_hash if post else None
    if published is not None:
        if not published.startswith(("https://", "http://")):
            raise UsageError(
                f"--published {published!r} is not a web address", "paste the post's URL"
            )
        # the parts a run recorded keep their ids (expiry deletes by id, metrics read by id);
        # the address is the next part's, unless it is one of them already
        kept = list(rec.parts) if rec is not None else []
        listed = any(published in (p.url, p.id) for p in kept)
        parts = kept if listed else [*kept, PublishedPart(published, published)]
        book.update(
            post_id,
            channel,
            now,
            state=LedgerState.PUBLISHED,
            note=f"resolved by {who}: published at {published}",
            content_hash=content_hash,
            parts=parts,
            published_at=utc_stamp(now),
            error=None,
        )
        if not kept:
            return f"recorded {post_id} on {channel} as published at {published}"
        where = "one of them" if listed else f"recorded as part {len(parts)}"
        return (
            f"recorded {post_id} on {channel} as published: kept the {len(kept)} recorded "
            f"part(s) with their ids; {published} is {where}"
        )
    if retry:
        book.update(
            post_id,
            channel,
            now,
            state=LedgerState.FAILED,
            note=f"resolved by {who}: send again",
            content_hash=content_hash,
            attempts=0,
            retry=True,
        )
        return (
            f"{post_id} on {channel} will be sent by the next run if it is still within the "
            "lateness window (else run `tidings publish --lateness …`)"
        )
    book.update(
        post_id,
        channel,
        now,
        state=LedgerState.MISSED,
        note=f"resolved by {who}: skipped, not sent",
        content_hash=content_hash,
    )
    return f"{post_id} on {channel} is skipped: it will not be sent"


def commit(run: Run, post_id: str, channel: str) -> str:
    """Commit the post's ledger file (with ``--push``, push it); return what became of it."""
    if run.repo is None or not run.repo.is_repo():
        return "written (not a git repository, so not committed)"
    landing = run.land([f"ledger/{post_id}.yaml"], f"resolve: {post_id} on {channel}")
    if not landing.committed:
        return "nothing changed"
    if run.opts.push:
        if not landing.pushed:
            return f"committed, but the push failed: {landing.problem or 'conflict'}; push by hand"
        return "committed and pushed"
    return "committed"
