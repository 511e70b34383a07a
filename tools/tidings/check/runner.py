"""Run every rule over a workspace and return the diagnostics people should see."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from tidings.check.rules import CLOCKED, NAMED_ONLY, PER_POST, RULES, TIMED_RULES
from tidings.core.replies import load as load_workspace
from tidings.diagnostics import Diagnostic, Severity
from tidings.errors import UsageError
from tidings.workspace import hyphencache, imagecache, layout, lengthcache
from tidings.workspace.model import Workspace

SHARED_FILES = (
    layout.MARKER,
    layout.BRAND,
    layout.CHANNELS,
    layout.GOALS,
    layout.COMPETITORS,
    layout.SAVED_REPLIES,
)


@dataclass(frozen=True)
class CheckResult:
    workspace: Workspace
    diagnostics: tuple[Diagnostic, ...]

    @property
    def errors(self) -> int:
        return sum(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity is Severity.WARNING for d in self.diagnostics)

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def blocked_posts(self) -> frozenset[str]:
        """Ids of the posts with errors: they are never published."""
        return frozenset(
            layout.post_id(d.path)
            for d in self.diagnostics
            if d.severity is Severity.ERROR and layout.is_post_file(d.path)
        )

    def shared_errors(self) -> list[Diagnostic]:
        """Errors outside posts and ideas (brand, channels, calendars, ledger): publishing
        must not go ahead on a workspace it cannot read right. A published post whose file
        was deleted (``ledger.orphan``) concerns that post alone: it fails the pull request's
        check, but never stops the other posts from going out. So do the saved replies
        (``brand/replies.yaml``): a reply that names a broken one is held back itself."""
        return [
            d
            for d in self.diagnostics
            if d.severity is Severity.ERROR
            and d.code != "ledger.orphan"
            and not d.path.startswith(
                (layout.POSTS + "/", layout.REPLIES + "/", layout.IDEAS + "/")
            )
            and d.path != layout.SAVED_REPLIES
        ]


def _apply_overrides(ws: Workspace, diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    overrides = ws.brand.severity_overrides if ws.brand else {}
    out: list[Diagnostic] = []
    for d in diags:
        level = overrides.get(d.code)
        if level == "off":
            continue
        out.append(d.with_severity(Severity(level)) if level else d)
    return out


def _is_content(rel: str) -> bool:
    return layout.is_post_file(rel) or (rel.endswith(".md") and rel.startswith(layout.IDEAS + "/"))


def _relative(root: Path, path: str) -> str:
    """A named path: relative to the current folder if that lies in the root, else to the root."""
    rel = layout.relpath(root, Path(path))
    if rel.startswith("../") and not Path(path).is_absolute() and (root / path).exists():
        return Path(path).as_posix()
    return rel


def check_workspace(
    root: Path,
    paths: Sequence[str] = (),
    now: datetime | None = None,
    renamed: Sequence[tuple[str, str]] = (),
    late: bool = False,
    cache: bool = False,
) -> CheckResult:
    """Load and check ``root``; with ``paths``, only those files (plus what they need).

    ``now`` is the time the rules that look ahead (empty posting slots, late posts) measure
    from; without it those rules do not run, so the result depends on the files alone.
    ``renamed`` is git's history of post renames (``jobs.git.post_renames``), which decides
    which post a ledger entry belongs to; without it no post is taken for a renamed one.
    With ``late`` (and ``now``), posts that will not go out on time and weeks with fewer posts
    than ``cadence.min_per_week`` are warned about (``date.late``, ``cadence.min-per-week``;
    ``tidings check`` asks for it when given ``--now`` or run in CI). With ``cache``, files
    unchanged since an earlier check are not parsed again (``build/cache/files.json``, see
    :mod:`tidings.workspace.filecache`), nor images read again (``build/cache/images.json``,
    :mod:`tidings.workspace.imagecache`); the result is the same.

    The whole workspace is always loaded: a cadence clash, an empty slot or a duplicate id
    involves posts that were not named. When every named path is a post or an idea, the
    rules about one post alone (``NAMED_ONLY``) run on the named ones only, and diagnostics
    are reported for the named files (a clash between a named post and another is reported
    on the named one, from the diagnostic's ``also``), their ledger files, the calendars
    and the shared brand files (profile images included). Naming any other file (brand, channels, a calendar, the
    ledger) reports everything, since a change there can break any post.
    """
    rels = [_relative(root, p) for p in paths]
    for rel in rels:
        if rel.startswith("../"):
            raise UsageError(f"{rel} is outside the workspace {root}", "name files inside it")
        if not (root / rel).is_file():
            raise UsageError(
                f"{rel}: no such file in {root}", "check the path (deleted files need no check)"
            )
    only = set(rels) if rels and all(_is_content(r) for r in rels) else None
    ws, diags = load_workspace(root, cache=cache)
    if renamed:
        ws = replace(ws, renamed=tuple(renamed))
    named = ws
    if only is not None:
        named = replace(ws, posts={k: p for k, p in ws.posts.items() if p.path in only})
    lengthcache.load(root)  # X lengths measured by earlier runs (see lengthcache.py)
    hyphencache.load(root)  # the reading level's syllable patterns (see hyphencache.py)
    if cache:
        imagecache.load(root)  # what images' headers said (see imagecache.py)
    else:
        imagecache.clear()
    for name, rule in RULES.items():
        diags.extend(rule(named if name in NAMED_ONLY else ws))
    diags.extend(_rotations(named, diags))
    lengthcache.save(root)
    hyphencache.save(root)
    if cache:
        imagecache.save(root)
    if now is not None:
        for name, timed in TIMED_RULES.items():
            if late or name not in CLOCKED:
                diags.extend(timed(ws, now))
    if only is not None:
        diags = _involving(diags, only)
    result = sorted(_apply_overrides(ws, diags), key=Diagnostic.sort_key)
    return CheckResult(ws, tuple(result))


def _rotations(ws: Workspace, seen: Sequence[Diagnostic]) -> list[Diagnostic]:
    """The rules about one post alone, run on each further body of every evergreen post's
    ``rotations`` (each is what some send carries), once each: a finding on the body below
    the front matter is reported by the ordinary run, not again here."""
    found: list[Diagnostic] = []
    most = max((p.bodies for p in ws.posts.values() if p.evergreen), default=1)
    for index in range(1, most):
        posts = {
            k: p.rotated(index) for k, p in ws.posts.items() if p.evergreen and index < p.bodies
        }
        rotated = replace(ws, posts=posts)
        for name in sorted(PER_POST):
            found.extend(d for d in RULES[name](rotated) if d not in found and d not in seen)
    return found


def _involving(diags: Iterable[Diagnostic], named: set[str]) -> list[Diagnostic]:
    """The diagnostics a check of the ``named`` posts and ideas reports: those on them, on
    their ledger files, the calendars and the brand's files, and, for a finding on another
    file that involves a named one, the finding as seen from the named one."""
    keep = named | set(SHARED_FILES)
    keep |= {layout.ledger_path(layout.post_id(r)) for r in named if layout.is_post_file(r)}
    out: list[Diagnostic] = []
    for d in diags:
        if d.path in keep or d.path.startswith((layout.CALENDARS, layout.PROFILES + "/")):
            out.append(d)
        else:
            out.extend(seen for seen in d.also if seen.path in named and seen not in out)
    return out
