"""`tidings review`: the one pull-request comment that says what a pull request will do.

    changes(root, base, head)        posts added, changed, renamed or removed, by git diff
    engine_changes(root, base, head) files of the engine (code, build, site hooks, CI) changed
    review(root, base, head, url)    the comment (Markdown), starting with MARKER

The diff is taken from the merge base of ``base`` and ``head`` to ``head`` (what the pull
request itself changes, however far ``base`` moved on). ``head`` is checked and rendered
from its own tree (``git archive`` into a temporary folder), so the comment shows what the
merge will publish. For a changed or renamed post the comment also shows what the pull
request changes: its title, each channel's time, the channels added or dropped, and each
channel's text as sent before (rendered from the merge base's tree, its own brand and
channels) and after, as a unified diff. Whether a post is already published is read from the ledger of both
``base`` (where CI records publications) and ``head``.

The comment is meant to be written by the default branch's engine, reading the pull request
as data (``tidings --root <the pull request's checkout> review``): nothing in the reviewed
tree is imported or run. When the pull request changes the engine itself, the comment says
so at the top: the preview site was built by the pull request's own code.

Content reaches Markdown escaped: titles and messages with Markdown and HTML special
characters backslash- or entity-escaped, rendered text in a code fence longer than any
backtick run inside it, so nothing in a post can change the comment's structure.
"""

from __future__ import annotations

import difflib
import io
import re
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from html import escape as html_escape
from pathlib import Path
from urllib.parse import quote

from tidings.check.runner import check_workspace
from tidings.core.newreply import quoted_text
from tidings.core.plan import rename_sources
from tidings.core.render import Rendered, render
from tidings.core.replies import load as load_workspace
from tidings.core.textlength import text_limits
from tidings.diagnostics import Diagnostic
from tidings.errors import UsageError
from tidings.jobs.git import post_renames
from tidings.workspace import layout
from tidings.workspace.ledger import LedgerState, parse_entry
from tidings.workspace.loader import Collector, load_post, load_reply
from tidings.workspace.model import Post, Workspace

MARKER = "<!-- tidings-review -->"
STATUS = {"A": "added", "M": "changed", "D": "removed", "R": "renamed", "C": "added"}
MARK = {"error": "✗", "warning": "⚠", "info": "ℹ"}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")  # < > & are entity-escaped first
COMMENT_LIMIT = 60_000  # GitHub refuses comments over 65,536 characters
# What decides what runs: the engine's code and build, the site's config (its hooks run with
# a write token), CI's scripts. A change to any of these is a change of the engine.
ENGINE_DIRS = ("tools/", ".ci/", "requirements/")
ENGINE_FILES = ("pyproject.toml", "mkdocs.yml", "Makefile")


@dataclass(frozen=True)
class Change:
    status: str  # added, changed, renamed, removed
    path: str  # the post's path at head (at the merge base when removed)
    old_path: str | None = None  # renamed: where it was

    @property
    def post_id(self) -> str:
        return layout.post_id(self.path)


def _git(root: Path, *args: str) -> bytes:
    try:
        proc = subprocess.run(["git", *args], cwd=root, capture_output=True, timeout=120)
    except FileNotFoundError:
        raise UsageError("git is not installed", "install git and run again") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(
            f"git {' '.join(args[:2])}: {message[0] if message else 'failed'}",
            "check that both refs exist (in CI: fetch the base branch, e.g. fetch-depth: 0)",
        )
    return proc.stdout


def _rev(root: Path, ref: str, option: str) -> str:
    if ref.startswith("-"):
        raise UsageError(f"{option} {ref}: not a git ref")
    try:
        return _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
    except UsageError:
        raise UsageError(
            f"{option} {ref}: no such commit, branch or tag in {root}",
            "fetch it first (in CI: actions/checkout with fetch-depth: 0)",
        ) from None


def _is_post(path: str) -> bool:
    return layout.is_post_file(path)


def changes(root: Path, base: str, head: str) -> tuple[list[Change], list[str]]:
    """(changed posts, other changed files) between the commits ``base`` and ``head``."""
    raw = _git(root, "diff", "--name-status", "-M", "-z", base, head)
    fields = raw.decode("utf-8", "surrogateescape").split("\0")
    posts: list[Change] = []
    others: list[str] = []
    i = 0
    while i < len(fields) and fields[i]:
        code = fields[i][0]
        if code in "RC":
            old, new = fields[i + 1], fields[i + 2]
            i += 3
        else:
            old = new = fields[i + 1]
            i += 2
        if code == "R" and _is_post(new) and _is_post(old):
            posts.append(Change("renamed", new, old))
        elif code == "R" and _is_post(new):
            posts.append(Change("added", new))
        elif code == "R" and _is_post(old):
            posts.append(Change("removed", old))
            others.append(new)
        elif _is_post(new):
            posts.append(Change(STATUS.get(code, "changed"), new))
        else:
            others.append(new)
    order = {"added": 0, "changed": 1, "renamed": 1, "removed": 2}
    posts.sort(key=lambda c: (order[c.status], c.path))
    return posts, others


def engine_changes(root: Path, base: str, head: str) -> list[str]:
    """Files of the engine (``ENGINE_DIRS``, ``ENGINE_FILES``) added, changed or removed
    between the commits ``base`` and ``head``, renames counted on both sides."""
    raw = _git(root, "diff", "--name-only", "--no-renames", "-z", base, head)
    paths = raw.decode("utf-8", "surrogateescape").split("\0")
    return sorted(p for p in paths if p.startswith(ENGINE_DIRS) or p in ENGINE_FILES)


def _engine_warning(paths: list[str]) -> list[str]:
    """The lines that tell reviewers the preview was built by the pull request's own code."""
    if not paths:
        return []
    shown = ", ".join(code(p) for p in paths[:20])
    more = f" and {len(paths) - 20} more" if len(paths) > 20 else ""
    return [
        "",
        f"> **⚠ This pull request changes the engine** ({shown}{more}). Its preview site "
        "was built by this pull request's own code, so it may not show what the default "
        "branch will publish. This comment was written by the default branch's engine, "
        "reading the pull request's files as data. The engine changes need a code owner's "
        "review.",
    ]


@contextmanager
def checkout(root: Path, commit: str) -> Iterator[Path]:
    """The tree of ``commit`` in a temporary folder (nothing in the repository changes)."""
    data = _git(root, "archive", "--format=tar", commit)
    with tempfile.TemporaryDirectory(prefix="tidings-review-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp)


def _old_post(root: Path, commit: str, path: str, tz: tzinfo) -> Post | None:
    """A post as it was at ``commit`` (for removed and renamed posts)."""
    try:
        text = _git(root, "show", f"{commit}:{path}")
    except UsageError:
        return None
    with tempfile.TemporaryDirectory(prefix="tidings-review-") as tmp:
        target = Path(tmp) / path
        target.parent.mkdir(parents=True)
        target.write_bytes(text)
        if path.startswith(layout.REPLIES + "/"):
            return load_reply(Path(tmp), path, tz, Collector(), {})
        return load_post(Path(tmp), path, tz, Collector())


def _published_in(root: Path, commit: str, post_id: str) -> set[str]:
    """Channels the ledger at ``commit`` records as published for ``post_id``."""
    rel = layout.ledger_path(post_id)
    try:
        entry = parse_entry(rel, _git(root, "show", f"{commit}:{rel}").decode("utf-8"))
    except (UsageError, UnicodeDecodeError):
        return set()
    if entry is None:
        return set()
    return {cid for cid, rec in entry.channels.items() if rec.state is LedgerState.PUBLISHED}


def md(text: str) -> str:
    """Plain text for Markdown: special characters backslash-escaped, HTML entity-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", html_escape(" ".join(text.split()), quote=False))


def code(text: str) -> str:
    """Inline code that holds any text (a backtick run longer than any inside)."""
    text = " ".join(text.split())
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def fence(text: str, language: str = "text") -> str:
    """A fenced code block that holds any text (its fence longer than any backtick run)."""
    ticks = "`" * max(3, max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    return f"{ticks}{language}\n{text}\n{ticks}"


def page_link(site_url: str | None, post_id: str) -> str | None:
    if not site_url or not re.match(r"https?://", site_url):
        return None
    return f"{site_url.rstrip('/')}/posts/{quote(post_id)}/"


def _diagnostic_line(d: Diagnostic) -> str:
    fix = f" → {md(d.suggestion)}" if d.suggestion else ""
    where = f"line {d.line}" + (f", {md(d.channel)}" if d.channel else "")
    return f"- {MARK[d.severity.value]} **{d.severity.value}** {code(d.code)} ({where}): {md(d.message)}{fix}"


def _schedule_text(post: Post, channel: str, tz: tzinfo) -> str:
    """When the post goes to ``channel``, in words for the review comment."""
    if post.draft:
        return "draft: never published"
    at = post.when(channel)
    if at is None and post.is_reply:
        return "as soon as it is merged"
    return f"{at.astimezone(tz):%a %d %b %Y, %H:%M %Z}" if at else "no time set: not scheduled"


def _answers(post: Post, quotes: Mapping[str, str | None]) -> list[str]:
    """For a reply: the item it answers (its URL, and its text when the inbox holds it)."""
    url = post.in_reply_to or ""
    safe = re.fullmatch(r"https?://[\w.~:/?#@!$&'()*+,;=%-]+", url)
    lines = [f"**In reply to** <{url}>" if safe else f"**In reply to** {code(url)}"]
    quoted = quotes.get(url)
    if quoted is not None:
        lines += ["", *(f"> {md(line)}" if line else ">" for line in quoted.splitlines())]
    return [*lines, ""]


def _channel_texts(ws: Workspace, post: Post) -> list[str]:
    """One collapsed block per distinct rendition, naming the channels that get it."""
    groups: dict[tuple[object, ...], list[tuple[str, str]]] = {}
    texts: dict[tuple[object, ...], tuple[Rendered, bool]] = {}
    unknown = []
    for cid in post.channels:
        channel = ws.channels.get(cid)
        if channel is None:
            unknown.append(cid)
            continue
        rendered = render(post, channel, ws.brand)
        counts = []
        for limit in text_limits(channel.platform, channel.max_characters):
            used = [limit.count(part.text) for part in rendered.parts]
            over = " ✗ over" if max(used, default=0) > limit.maximum else ""
            shown = ", ".join(map(str, used))
            sep = "/" if len(used) == 1 else " of "
            counts.append(f"{shown}{sep}{limit.maximum} {limit.name}{over}")
        key = (
            tuple(p.text for p in rendered.parts),
            tuple((m.file, m.alt) for m in rendered.media),
        )
        groups.setdefault(key, []).append((cid, ", ".join(dict.fromkeys(counts))))
        texts.setdefault(key, (rendered, rendered.from_variant))
    out = []
    for group, members in groups.items():
        rendered, variant = texts[group]
        names = ", ".join(cid for cid, _ in members)
        summary = f"{names}: the text as sent" + (" (own variant)" if variant else "")
        if len(rendered.parts) > 1:
            summary += f", a thread of {len(rendered.parts)}"
        counted = "; ".join(f"{cid} {c}" for cid, c in members if c)
        if counted:
            summary += f" · {counted}"
        body = "\n\n".join(
            (f"Part {i}:\n\n" if len(rendered.parts) > 1 else "") + fence(part.text)
            for i, part in enumerate(rendered.parts, 1)
        )
        images = "".join(
            f"\n\nImage {code(m.file)}: alt text “{md(m.alt)}”"
            if m.alt
            else f"\n\nImage {code(m.file)}: **no alt text**"
            for m in rendered.media
        )
        out.append(
            f"<details><summary>{html_escape(summary)}</summary>\n\n{body}{images}\n\n</details>"
        )
    out += [f"{md(cid)}: unknown channel, nothing is sent" for cid in unknown]
    return out


@dataclass(frozen=True)
class _Item:
    change: Change
    post: Post | None
    diags: list[Diagnostic]
    published: set[str]
    squash: str = ""
    """Set when squash-merging would change which post this is (see ``_squash_note``)."""
    before: Post | None = None
    """A changed or renamed post as it was at the merge base (None: it could not be read)."""


def _sent(ws: Workspace, post: Post, cid: str) -> str | None:
    """The text ``cid`` is sent for ``post`` (parts and images, one line each), for a diff;
    None when the channel is unknown."""
    channel = ws.channels.get(cid)
    if channel is None:
        return None
    rendered = render(post, channel, ws.brand)
    lines: list[str] = []
    for i, part in enumerate(rendered.parts, 1):
        if len(rendered.parts) > 1:
            lines.append(f"[part {i}]")
        lines += part.text.splitlines() or [""]
    for m in rendered.media:
        lines.append(f"[image {m.file}: " + (f"alt text {m.alt}]" if m.alt else "no alt text]"))
    return "\n".join(lines)


def _what_changed(
    before_ws: Workspace, old: Post, ws: Workspace, post: Post, tz: tzinfo, texts: bool
) -> list[str]:
    """What an edit changes: the title, each channel's time, the channels added or dropped,
    and the text each channel is sent, before → after (a unified diff per distinct change)."""
    lines = ["**What changed:**", ""]
    if old.title != post.title:
        lines.append(f"- title: {md(old.title)} → {md(post.title)}")
    diffs: dict[tuple[str, str], list[str]] = {}
    same: list[str] = []
    for cid in dict.fromkeys([*old.channels, *post.channels]):
        was, now = _schedule_text(old, cid, tz), _schedule_text(post, cid, tz)
        if cid not in post.channels:
            lines.append(f"- {md(cid)}: channel removed, nothing is sent there (was {md(was)})")
            continue
        if cid not in old.channels:
            lines.append(f"- {md(cid)}: channel added ({md(now)})")
            continue
        if was != now:
            lines.append(f"- {md(cid)}: time {md(was)} → {md(now)}")
        a, b = _sent(before_ws, old, cid), _sent(ws, post, cid)
        if a is None or b is None:
            continue
        if a == b:
            same.append(cid)
        else:
            diffs.setdefault((a, b), []).append(cid)
    if same:
        lines.append(f"- {md(', '.join(same))}: text unchanged")
    if not diffs:
        return [*lines, ""]
    if not texts:
        return [*lines, "- the text changed: see the preview for the new text", ""]
    lines.append("")
    for (a, b), cids in diffs.items():
        diff = "\n".join(
            difflib.unified_diff(
                a.splitlines(), b.splitlines(), "before", "after", lineterm="", n=3
            )
        )
        lines += [f"{md(', '.join(cids))}: the text as sent, before → after:", ""]
        lines += [fence(diff, "diff"), ""]
    return lines


def _section(
    item: _Item,
    ws: Workspace,
    tz: tzinfo,
    site_url: str | None,
    texts: bool,
    before_ws: Workspace | None = None,
    quotes: Mapping[str, str | None] | None = None,
) -> str:
    quotes = quotes or {}
    change, post, published = item.change, item.post, item.published
    title = md(post.title) if post else code(change.post_id)
    lines = [f"### {change.status.capitalize()}: {title}", ""]
    where = code(change.path)
    if change.old_path:
        where = f"{code(change.old_path)} → {where}"
    link = page_link(site_url, change.post_id) if change.status != "removed" else None
    lines += [where + (f" · [preview]({link})" if link else ""), ""]
    if published:
        names = md(", ".join(sorted(published)))
        if change.status == "removed":
            lines += [
                f"> **⚠ Already published** on {names}. Deleting the file does not delete "
                "those posts: set `expires` to retract them, or delete them on the platform.",
                "",
            ]
        else:  # changed, renamed, or "added" where git's history shows a rename
            lines += [
                f"> **⚠ Already published** on {names}. Editing it does not change what went "
                "out there, and it is not sent again: write a new post for a correction.",
                "",
            ]
    if item.squash:
        lines += [item.squash, ""]
    if post is not None and post.is_reply:
        lines += _answers(post, quotes)
    if post is None:
        lines += ["The post could not be read: see its check results.", ""]
    else:
        header = "was to go out" if change.status == "removed" else "goes out"
        lines += [f"| channel | {header} |", "|---|---|"]
        for cid in post.channels:
            state = " (published)" if cid in published else ""
            lines.append(f"| {md(cid)} | {md(_schedule_text(post, cid, tz))}{state} |")
        lines.append("")
        if change.status in ("changed", "renamed"):
            if before_ws is None or item.before is None:
                lines += ["The post as it was before could not be read: no diff.", ""]
            else:
                lines += _what_changed(before_ws, item.before, ws, post, tz, texts)
        if change.status != "removed":
            if texts:
                lines += [*_channel_texts(ws, post), ""]
            else:
                lines += [
                    "(The texts are left out to keep this comment short: see the preview.)",
                    "",
                ]
    if change.status != "removed":
        if item.diags:
            lines += ["**Checks:**", *(_diagnostic_line(d) for d in item.diags), ""]
        else:
            lines += ["**Checks:** ✓ no problems", ""]
    return "\n".join(lines)


def _items(
    root: Path,
    ws: Workspace,
    diagnostics: tuple[Diagnostic, ...],
    posts: list[Change],
    commits: tuple[str, str, str],
    before_ws: Workspace | None = None,
) -> list[_Item]:
    base_commit, head_commit, merge_base = commits
    tz = ws.brand.timezone if ws.brand else UTC
    by_path: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_path.setdefault(d.path, []).append(d)

    def published_as(ids: set[str]) -> set[str]:
        found: set[str] = set()
        for commit in (base_commit, head_commit):
            for i in ids:
                found |= _published_in(root, commit, i)
        return found

    items = []
    for change in posts:
        pid = change.post_id
        # the one rename rule: the ids git's history (head's commits) leads to this post
        before = rename_sources(ws.renamed, pid) if change.status != "removed" else set()
        published = published_as({pid} | before)
        if change.status == "removed":
            items.append(_Item(change, _old_post(root, merge_base, change.path, tz), [], published))
            continue
        squashed = {layout.post_id(change.old_path)} if change.old_path else set()
        squash = _squash_note(published_as(before - squashed), published_as(squashed - before))
        diags = [*by_path.get(change.path, []), *by_path.get(layout.ledger_path(pid), [])]
        old = None
        if before_ws is not None and change.status in ("changed", "renamed"):
            old = before_ws.posts.get(layout.post_id(change.old_path or change.path))
        items.append(_Item(change, ws.posts.get(pid), diags, published, squash, old))
    return items


def _before(root: Path, merge_base: str, posts: list[Change]) -> Workspace | None:
    """The merge base's workspace (brand, channels and the changed or renamed posts as they
    were), read from its own tree; None when no post was edited."""
    paths = [c.old_path or c.path for c in posts if c.status in ("changed", "renamed")]
    if not paths:
        return None
    with checkout(root, merge_base) as tree:
        ws, _ = load_workspace(tree, only_posts=paths)
    return ws


def _squash_note(lost: set[str], gained: set[str]) -> str:
    """A warning when squash-merging the pull request would change which post this is.

    The publisher follows renames commit by commit. A squash merge makes the pull request
    one commit, where git may see a rename the commits did not show (a deleted published post
    and a new file with similar text), or miss one they did (a rename, then a heavy edit).
    ``lost``: channels published under an id that only the commits lead here from;
    ``gained``: channels published under an id that only the squashed diff does."""
    if lost:
        return (
            f"> **⚠ Do not squash-merge.** This post was renamed from one already published on "
            f"{md(', '.join(sorted(lost)))}; squashed into one commit git would not see the "
            "rename, and the post would be sent again. Merge with a merge commit or rebase."
        )
    if gained:
        return (
            f"> **⚠ Do not squash-merge.** Squashed into one commit, git would take this new post "
            f"for a rename of one already published on {md(', '.join(sorted(gained)))}, and it "
            "would never be sent. Merge with a merge commit or rebase."
        )
    return ""


def review(
    root: Path,
    base: str,
    head: str = "HEAD",
    site_url: str | None = None,
    now: datetime | None = None,
) -> str:
    """The review comment for what ``head`` changes since it left ``base`` (refs in ``root``).

    With ``now``, posts that will not go out on time (``date.late``: their time is past, or
    their lateness window closes before the next publish run) are warned about."""
    base_commit = _rev(root, base, "--base")
    head_commit = _rev(root, head, "--head")
    merge_base = _git(root, "merge-base", base_commit, head_commit).decode().strip()
    posts, others = changes(root, merge_base, head_commit)
    with checkout(root, head_commit) as tree:
        result = check_workspace(tree, now=now, renamed=post_renames(root, head_commit), late=True)
        quotes = {
            p.in_reply_to: quoted_text(tree, p.in_reply_to)
            for p in result.workspace.posts.values()
            if p.in_reply_to is not None
        }
    ws = result.workspace
    tz = ws.brand.timezone if ws.brand else UTC
    url = site_url if site_url is not None else ws.settings.site_url
    before_ws = _before(root, merge_base, posts)
    commits = (base_commit, head_commit, merge_base)
    items = _items(root, ws, result.diagnostics, posts, commits, before_ws)
    errors = sum(d.severity.value == "error" for item in items for d in item.diags)
    warnings = sum(d.severity.value == "warning" for item in items for d in item.diags)
    counts = {
        s: sum(c.status == s for c in posts) for s in ("added", "changed", "renamed", "removed")
    }
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no posts changed"
    checks = (
        f"✗ {errors} error{'s' * (errors != 1)}" if errors else "✓ no errors"
    ) + f", {warnings} warning{'s' * (warnings != 1)}"
    lines = [
        MARKER,
        "## tidings review",
        "",
        f"**Posts:** {summary} · **checks:** {checks} · times in {md(str(tz))}",
        *_engine_warning(engine_changes(root, merge_base, head_commit)),
    ]
    if others:
        shown = ", ".join(code(p) for p in others[:20])
        lines += [
            "",
            f"Also changed: {shown}"
            + (f" and {len(others) - 20} more" if len(others) > 20 else ""),
        ]
    shared = [d for d in result.shared_errors() if d.path in others]
    if shared:
        lines += ["", "**Errors in shared files** (they can affect every post):"]
        lines += [_diagnostic_line(d) for d in shared]
    if page_link(url, "x"):
        lines += ["", f"Preview site: <{url}>"]
    lines.append("")
    used = sum(len(line) + 1 for line in lines)
    for n, item in enumerate(items):
        section = _section(item, ws, tz, url, True, before_ws, quotes)
        if used + len(section) > COMMENT_LIMIT:
            section = _section(item, ws, tz, url, False, before_ws, quotes)
        if used + len(section) > COMMENT_LIMIT:
            lines.append(f"… and {len(items) - n} more posts: see the preview site.")
            break
        lines.append(section)
        used += len(section) + 1
    return "\n".join(lines).rstrip() + "\n"
