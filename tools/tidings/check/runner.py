"""Run every rule over a workspace and return the diagnostics people should see."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from tidings.check.rulecache import Found, RuleCache, cacheable, post_key
from tidings.check.rules import (
    CLOCKED,
    FOCUSED,
    NAMED_ONLY,
    PER_POST,
    RULES,
    TIMED_RULES,
    media,
)
from tidings.core import readability, textlength
from tidings.core.replies import load as load_workspace
from tidings.diagnostics import Diagnostic, Severity
from tidings.errors import UsageError
from tidings.processes import run_spans
from tidings.workspace import hyphencache, imagecache, layout, lengthcache
from tidings.workspace.loader import PARALLEL_POSTS
from tidings.workspace.model import Brand, Channel, Post, Workspace

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
    jobs: int = 1,
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
    lengthcache.load(root)  # X lengths measured by earlier runs (see lengthcache.py)
    hyphencache.load(root)  # the reading level's syllable patterns (see hyphencache.py)
    ws, diags = load_workspace(
        root,
        cache=cache,
        jobs=jobs,
        prepare=lambda brand, channels: _get_ready(root, brand, channels),
    )
    if renamed:
        ws = replace(ws, renamed=tuple(renamed))
    named = ws
    if only is not None:
        named = replace(ws, posts={k: p for k, p in ws.posts.items() if p.path in only})
    if cache:
        imagecache.load(root)  # what images' headers said (see imagecache.py)
    else:
        imagecache.clear()
    whole: dict[str, list[Diagnostic]] = {}

    def whole_rules() -> None:  # run here while the workers start on the posts
        for name, rule in RULES.items():
            if name in PER_POST:
                continue
            if name in FOCUSED and only is not None:
                whole[name] = list(FOCUSED[name](ws, frozenset(only)))
            else:
                whole[name] = list(rule(named if name in NAMED_ONLY else ws))

    found = _per_post(named, cache=cache, prune=only is None, jobs=jobs, before=whole_rules)
    for name in RULES:
        if name in PER_POST:
            diags.extend(d for result in found.values() for d in result.rules.get(name, ()))
        else:
            diags.extend(whole[name])
    diags.extend(_rotations(found, diags))
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


def _per_post(
    ws: Workspace, *, cache: bool, prune: bool, jobs: int = 1, before: Callable[[], None]
) -> dict[str, Found]:
    """What the rules about one post alone find on the posts of ``ws`` (those with a
    finding): kept findings for the posts unchanged since an earlier check (with ``cache``,
    see :mod:`tidings.check.rulecache`), the rules run once over the others. ``before`` is
    called once, first, here (while the workers, if any, start on the posts)."""
    kept = RuleCache(ws.root) if cache else None
    try:
        found: dict[str, Found] = {}
        todo: dict[str, Post] = {}
        keys: dict[str, str] = {}
        for pid, post in ws.posts.items():
            if kept is None:
                todo[pid] = post
                continue
            key = post_key(post, [kept.image(m.file) for m in media.all_refs(post)])
            hit = kept.get(post.path, key)
            if hit is None:
                todo[pid], keys[pid] = post, key
            elif hit.rules or hit.rotations:
                found[pid] = hit
        fresh = _run_per_post_in(replace(ws, posts=todo), jobs, before)
        found.update(fresh)
        if kept is not None and STRAY not in fresh:
            for pid, post in todo.items():
                result = fresh.get(pid, Found())
                if cacheable(result):
                    kept.put(post.path, keys[pid], result)
    except BaseException:
        if kept is not None:
            kept.close()
        raise
    if kept is not None:
        kept.save(prune=prune)
    return found


def _run_per_post_in(ws: Workspace, jobs: int, before: Callable[[], None]) -> dict[str, Found]:
    """:func:`_run_per_post` in up to ``jobs`` processes, each running the rules over spans
    of the posts (this one the first spans, forked workers the others: see
    :func:`~tidings.processes.run_spans`), each worker sending back its findings and what it
    measured for the caches of X lengths and images' headers (the hyphenation patterns are
    made here first, see :func:`_get_ready`). ``before`` runs here once, first. The findings
    on each post are the same, in the same order, either way (and the report is sorted)."""
    ids = list(ws.posts)
    if jobs <= 1 or len(ids) < PARALLEL_POSTS:  # fewer: forking would cost more than it saves
        before()
        return _run_per_post(ws)
    _get_ready(ws.root, ws.brand, ws.channels)
    parent = os.getpid()

    def share(start: int, end: int) -> tuple[dict[str, Found], Any, Any]:
        found = _run_per_post(replace(ws, posts={k: ws.posts[k] for k in ids[start:end]}))
        if os.getpid() == parent:
            return found, None, None
        return found, lengthcache.changes(), imagecache.changes()

    results, _ = run_spans(
        share, len(ids), jobs, "checking the posts", here=True, before=before, collect=False
    )
    found: dict[str, Found] = {}
    for result in results:
        part, lengths, headers = result  # type: ignore[misc]
        found.update(part)
        lengthcache.take(lengths)
        imagecache.take(headers)
    return found


def _get_ready(root: Path, brand: Brand | None, channels: Mapping[str, Channel]) -> None:
    """What every worker checking posts would otherwise make for itself, made once here
    before they are forked, and inherited: on a first check (no X lengths nor hyphenation
    patterns kept), twitter-text's import and the parsed hyphenation patterns (0.2 s). The
    patterns are written to the cache at once: a worker never parses them, so it has none to
    send back. Done while workers load the posts when they do (the loader's ``prepare``),
    else just before the rules' workers are forked; the second time, nothing is left to do."""
    textlength.ready_for(c.platform for c in channels.values())
    if brand is not None and brand.max_grade is not None:
        readability.ready()
        hyphencache.save(root)


def _run_per_post(ws: Workspace) -> dict[str, Found]:
    """The rules about one post alone run over ``ws``, their findings by post (each finding
    is on its post's file; posts without any are left out), in the order each rule reported
    them; and the same on each further body of every evergreen post's ``rotations`` (each is
    what some send carries)."""
    found: dict[str, Found] = {}
    ids = {post.path: pid for pid, post in ws.posts.items()}

    def on(path: str) -> Found:
        pid = ids.get(path, STRAY)
        result = found.get(pid)
        if result is None:
            result = found[pid] = Found()
        return result

    for name in RULES:
        if name in PER_POST:
            for d in RULES[name](ws):
                on(d.path).rules.setdefault(name, []).append(d)
    most = max((p.bodies for p in ws.posts.values() if p.evergreen), default=1)
    for index in range(1, most):
        posts = {
            k: p.rotated(index) for k, p in ws.posts.items() if p.evergreen and index < p.bodies
        }
        rotated = replace(ws, posts=posts)
        for name in sorted(PER_POST):
            batch: dict[str, list[Diagnostic]] = {}
            for d in RULES[name](rotated):
                batch.setdefault(d.path, []).append(d)
            for path, ds in batch.items():
                on(path).rotations.append((index, name, ds))
    return found


STRAY = ""
"""Where :func:`_run_per_post` puts a finding on no post of the run (none of the rules makes
one today): it is reported all the same, and nothing of that run is kept."""


def _rotations(found: dict[str, Found], seen: Sequence[Diagnostic]) -> list[Diagnostic]:
    """The findings on the further bodies of evergreen posts, once each: a finding on the
    body below the front matter is reported by the ordinary run, not again here."""
    out: list[Diagnostic] = []
    known = set(seen)
    batches = sorted(
        (index, name, n, ds)
        for n, result in enumerate(found.values())
        for index, name, ds in result.rotations
    )
    for _, _, _, ds in batches:
        for d in ds:
            if d not in known:
                known.add(d)
                out.append(d)
    return out


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
