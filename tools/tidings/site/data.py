"""Everything the preview site shows, computed once: the checked workspace, every job the
planner knows of (past and future), and lookups the page builders share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, TypeVar, cast

from tidings.check.runner import CheckResult, check_workspace
from tidings.core.media import Upload, prepare, site_path
from tidings.core.plan import Job, plan
from tidings.core.render import Rendered, RenderedMedia, render
from tidings.diagnostics import Diagnostic, Severity
from tidings.errors import MediaError
from tidings.metrics.snapshots import Snapshot, iter_snapshots, read_snapshots, snapshot_files
from tidings.workspace import layout
from tidings.workspace.inbox import InboxItem, read_all
from tidings.workspace.ledger import LedgerEntry
from tidings.workspace.linkcards import CachedCard, load_cache
from tidings.workspace.listening import ListeningRecord, read_all_listening
from tidings.workspace.model import Channel, Part, Post, Workspace

T = TypeVar("T")
FAR = timedelta(days=365 * 200)  # plan's horizon: every scheduled job, however far ahead


@dataclass
class SiteData:
    """The input of every page builder. Build it with :func:`collect`."""

    ws: Workspace
    diagnostics: tuple[Diagnostic, ...]
    jobs: tuple[Job, ...]
    now: datetime
    site_url: str | None = None
    history: Callable[[], Iterable[Snapshot]] = tuple
    """The metrics history (``metrics/``), oldest first, without the platforms' raw numbers:
    read file by file each time it is called, so it is never all in memory."""
    history_files: Callable[[], Sequence[str]] | None = None
    """The files ``history`` reads, oldest first, when it reads files: with
    ``history_part`` (the snapshots of some of them, in order) the history can be read in
    parts, in worker processes. None: only ``history`` reads it."""
    history_part: Callable[[Sequence[str]], Iterable[Snapshot]] = lambda rels: ()
    history_root: Path | None = None
    """The folder ``history_files`` are relative to, whose ``build/cache/`` keeps what a
    build read of them (:mod:`tidings.site.historycache`); None: nothing is kept."""
    inbox: Callable[[], dict[str, list[InboxItem]]] = dict
    """The inbox record (``inbox/``) by channel, read when called (only the Inbox page
    does). Raises InboxError naming the file and line that does not read."""
    listening: Callable[[], dict[str, ListeningRecord]] = dict
    """The listening record (``inbox/_listening/``) by channel, read when called. Raises
    InboxError naming the file and line that does not read."""
    _by_path: dict[str, list[Diagnostic]] = field(default_factory=dict, repr=False)
    _jobs_by_post: dict[str, list[Job]] = field(default_factory=dict, repr=False)
    _rendered: dict[tuple[str, str, tuple[Part, ...]], Rendered] = field(
        default_factory=dict, repr=False
    )
    _uploads: dict[tuple[str, str], Upload | MediaError] = field(default_factory=dict, repr=False)
    _site_paths: dict[Path, str] = field(default_factory=dict, repr=False)
    _link_cards: dict[str, CachedCard] | None = field(default=None, repr=False)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        by_path: dict[str, list[Diagnostic]] = defaultdict(list)
        for d in self.diagnostics:
            by_path[d.path].append(d)
        self._by_path = dict(by_path)
        jobs: dict[str, list[Job]] = defaultdict(list)
        for job in self.jobs:
            jobs[job.post.id].append(job)
        self._jobs_by_post = dict(jobs)

    @property
    def tz(self) -> tzinfo:
        return self.ws.brand.timezone if self.ws.brand else UTC

    @property
    def brand_name(self) -> str:
        return self.ws.brand.name if self.ws.brand else "tidings"

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.tz)

    def diagnostics_for(self, post: Post) -> list[Diagnostic]:
        """The post's own diagnostics and those of its ledger file."""
        return [
            *self._by_path.get(post.path, ()),
            *self._by_path.get(layout.ledger_path(post.id), ()),
        ]

    def diagnostics_in(self, path: str) -> list[Diagnostic]:
        return list(self._by_path.get(path, ()))

    def errors_for(self, post: Post) -> int:
        return sum(d.severity is Severity.ERROR for d in self.diagnostics_for(post))

    def jobs_for(self, post: Post) -> list[Job]:
        return self._jobs_by_post.get(post.id, [])

    def ledger_for(self, post: Post) -> LedgerEntry | None:
        jobs = [j for j in self.jobs_for(post) if not j.evergreen]  # a send has its own
        ledger_id = jobs[0].ledger_id if jobs else post.id
        return self.ws.ledger.get(ledger_id) or self.ws.ledger.get(post.id)

    def rendered(self, post: Post, channel: Channel) -> Rendered:
        key = (post.id, channel.id, post.parts)  # an evergreen post's bodies render apart
        if key not in self._rendered:
            self._rendered[key] = render(post, channel, self.ws.brand)
        return self._rendered[key]

    def upload(self, item: RenderedMedia, platform: str) -> Upload | MediaError:
        """The file ``platform`` gets for ``item`` (original or rendition), or why none."""
        key = (item.file, platform)
        if key not in self._uploads:
            try:
                self._uploads[key] = prepare(self.ws.root, item, platform)
            except MediaError as exc:
                self._uploads[key] = exc
        return self._uploads[key]

    def site_path(self, upload: Upload) -> str:
        """:func:`tidings.core.media.site_path` of ``upload``, once per file (it resolves
        paths on disk; a few images recur on every post page)."""
        path = self._site_paths.get(upload.path)
        if path is None:
            path = self._site_paths[upload.path] = site_path(self.ws.root, upload)
        return path

    def memo(self, key: str, make: Callable[[], T]) -> T:
        """``make()``, once per build: what every page asks for and the workspace fixes (the
        brand's avatar file, looked up on disk once, not once per card)."""
        if key not in self._memo:
            self._memo[key] = make()
        return cast(T, self._memo[key])

    @property
    def link_cards(self) -> Mapping[str, CachedCard]:
        """The link cards ``tidings site build`` fetched into ``build/cache/link-cards``, by
        page address (read once; the site itself never fetches)."""
        if self._link_cards is None:
            self._link_cards = load_cache(self.ws.root)
        return self._link_cards

    @property
    def posts_by_time(self) -> list[Post]:
        """Every post, scheduled ones first by time, then unscheduled ones by id."""
        far = datetime.max.replace(tzinfo=UTC)
        return sorted(self.ws.posts.values(), key=lambda p: (p.at or far, p.id))

    @property
    def channels(self) -> Mapping[str, Channel]:
        return self.ws.channels


def collect(
    root: Path, now: datetime, site_url: str | None = None, checked: CheckResult | None = None
) -> SiteData:
    """Check ``root`` and plan every job around ``now``: the site's one pass over the files.
    ``checked``: that check, when the caller has already made it (``tidings site build``
    does, to find the link cards to fetch)."""
    result = checked if checked is not None else check_workspace(root, cache=True)
    ws = result.workspace
    jobs = plan(
        ws,
        now,
        days=FAR.days,
        blocked=result.blocked_posts(),
        everything_past=True,
    )
    return SiteData(
        ws=ws,
        diagnostics=result.diagnostics,
        jobs=tuple(jobs),
        now=now,
        site_url=site_url if site_url is not None else ws.settings.site_url,
        history=lambda: iter_snapshots(root, raw=False),
        history_files=lambda: snapshot_files(root),
        history_part=lambda rels: read_snapshots(root, rels, raw=False),
        history_root=root,
        inbox=lambda: read_all(root),
        listening=lambda: read_all_listening(root),
    )
