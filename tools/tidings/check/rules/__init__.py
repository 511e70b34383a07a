"""Checks: small pure functions ``(Workspace) -> Iterable[Diagnostic]``, registered in RULES.

Each rule reads the loaded workspace and never raises for bad content. Codes and default
severities live in :mod:`tidings.check.codes`. The few rules that depend on the current time take
it as a parameter (``TIMED_RULES``) and run only when the check is given one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from tidings.check.rules import (
    brand,
    cadence,
    channel_guidelines,
    channels,
    dates,
    evergreen,
    ids,
    inbox,
    late,
    ledger,
    lengths,
    markdown,
    media,
    posts,
    profiles,
    references,
    replies,
    slots,
    voice,
)
from tidings.diagnostics import Diagnostic
from tidings.workspace.model import Workspace

Rule = Callable[[Workspace], Iterable[Diagnostic]]
TimedRule = Callable[[Workspace, datetime], Iterable[Diagnostic]]
FocusedRule = Callable[[Workspace, frozenset[str]], Iterable[Diagnostic]]

RULES: dict[str, Rule] = {
    "ids": ids.check,
    "references": references.check,
    "channels": channels.check,
    "expiring": channels.expiring,
    "dates": dates.check,
    "evergreen": evergreen.check,
    "posts": posts.check,
    "ledger": ledger.check,
    "brand": brand.check,
    "lengths": lengths.check,
    "markdown": markdown.check,
    "voice": voice.check,
    "channel_guidelines": channel_guidelines.check,
    "cadence": cadence.check,
    "media": media.check,
    "profiles": profiles.check,
    "saved_replies": replies.check,
    "inbox": inbox.check,
}
PER_POST: frozenset[str] = frozenset(
    {"lengths", "markdown", "voice", "channel_guidelines", "media"}
)
"""Rules whose findings on a post depend on that post and the shared files alone: a check of
named posts runs them on those posts only (the others need the whole workspace)."""

NAMED_ONLY: frozenset[str] = PER_POST | frozenset({"dates", "expiring", "posts"})
"""Rules a check of named posts runs on those posts only, which reports the same: each
finding on a post is about that post alone (read with the shared files, calendars and the
ledger, never another post), none carries ``also``, and their findings elsewhere (a
calendar's campaign range) do not depend on the posts. Those beyond ``PER_POST`` read the
front matter only, so they are not run again on the bodies of ``rotations``."""
FOCUSED: dict[str, FocusedRule] = {"cadence": cadence.check}
"""Rules of ``RULES`` over the whole workspace that a check of named posts calls with those
posts' paths, for the findings on or involving them only (the rest are never reported by
such a check): the same findings, without building the others."""
TIMED_RULES: dict[str, TimedRule] = {
    "slots": slots.check,
    "late": late.check,
    "weekly": cadence.weekly,
}
CLOCKED: frozenset[str] = frozenset({"late", "weekly"})
"""Timed rules about the real calendar ahead (late posts, thin weeks): they run only when the
check is told the time matters (``--now`` given, or in CI)."""

__all__ = [
    "CLOCKED",
    "FOCUSED",
    "NAMED_ONLY",
    "PER_POST",
    "RULES",
    "TIMED_RULES",
    "FocusedRule",
    "Rule",
    "TimedRule",
]
