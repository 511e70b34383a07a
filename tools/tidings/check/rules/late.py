"""Posts that will not go out on time: their time is past, or the lateness window closes
before the next scheduled publish run.

A pull request merged after its post's window would otherwise end ``missed`` on a green run.
This rule runs only when the check is given a time (``tidings check`` uses the clock unless
``--now`` says otherwise); ``tidings review`` shows its warnings in the pull request.

The next run is assumed at most ``publish.interval`` away (``tidings.yaml``, default 15
minutes, the schedule of ``.github/workflows/publish.yml``); a scheduled run that GitHub
delays or drops can still miss a post warned about as "goes out at the next run".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from tidings.check.codes import default_severity
from tidings.core.plan import JobState, plan
from tidings.diagnostics import Diagnostic
from tidings.workspace.model import Post, Workspace

CODE = "date.late"


def _hours(delta: timedelta) -> str:
    minutes = delta.total_seconds() / 60
    return f"{minutes / 60:g} h" if minutes >= 60 else f"{minutes:g} min"


def _keys(post: Post, channel: str) -> tuple[str, ...]:
    variant = post.variants.get(channel)
    return ("variants", channel, "at") if variant is not None and variant.at else ("at",)


def check(ws: Workspace, now: datetime) -> Iterator[Diagnostic]:
    late = ws.settings.lateness
    interval = ws.settings.interval
    next_run = now + interval
    tz = ws.brand.timezone if ws.brand else now.tzinfo
    days = interval.total_seconds() / 86400
    for job in plan(ws, now, days=days, everything_past=True):
        if job.evergreen:
            continue  # a slot the queue cannot fill on time is simply left: nothing is late
        if job.state not in {JobState.DUE, JobState.MISSED, JobState.UPCOMING}:
            continue  # published, pending, failed, drafts and blocked posts say so elsewhere
        post = job.post
        if post.expires is not None and post.expires <= next_run:
            continue  # expires before it could go out: date.expires-before-at covers it
        closes = job.at + late
        when = f"{job.at.astimezone(tz):%Y-%m-%d %H:%M}"
        if closes < now:
            message = (
                f"its time ({when}) is over {_hours(late)} past, the lateness "
                "window: the publisher records it as missed and never sends it"
            )
            fix = "move `at` to a time in the future (or run `tidings publish --lateness`)"
        elif closes < next_run:
            message = (
                f"the lateness window ({_hours(late)} after {when}) closes before "
                f"the next scheduled publish run (every {_hours(interval)}): it may be recorded "
                "missed, never sent"
            )
            fix = "move `at` later, so the post is due while a run can still send it"
        elif job.at <= now:
            message = (
                f"its time ({when}) is already past; it goes out at the next "
                f"publish run (within {_hours(interval)}), late"
            )
            fix = "move `at` to the time it should appear, if late is not all right"
        else:
            continue
        yield Diagnostic.at(
            post.path,
            post.source.pos(*_keys(post, job.channel)),
            default_severity(CODE),
            CODE,
            message,
            fix,
            job.channel,
        )
