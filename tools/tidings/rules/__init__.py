"""Checks: small pure functions ``(Workspace) -> Iterable[Diagnostic]``, registered in RULES.

Each rule reads the loaded workspace and never raises for bad content. Codes and default
severities live in :mod:`tidings.codes`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..diagnostics import Diagnostic
from ..model import Workspace
from . import brand, cadence, dates, ids, ledger, lengths, media, posts, profiles, references, voice

Rule = Callable[[Workspace], Iterable[Diagnostic]]

RULES: dict[str, Rule] = {
    "ids": ids.check,
    "references": references.check,
    "dates": dates.check,
    "posts": posts.check,
    "ledger": ledger.check,
    "brand": brand.check,
    "lengths": lengths.check,
    "voice": voice.check,
    "cadence": cadence.check,
    "media": media.check,
    "profiles": profiles.check,
}

__all__ = ["RULES", "Rule"]
