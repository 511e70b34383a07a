"""The dashboards of the preview site, from the metrics history (``metrics/``).

    dashboards/index.md          overview: the channels at a glance, the CSV, what is where
    dashboards/channels.md       per channel: followers, posts per week, median engagement
    dashboards/what-works.md     engagement by tag, campaign and post type
    dashboards/best-time.md      median engagement by weekday × hour (brand's timezone)
    dashboards/goals.md          brand/goals.yaml: progress and projection
    dashboards/competitors.md    brand/competitors.yaml: as the snapshots read them
    metrics.csv                  exactly what `tidings metrics export --format csv` prints

and a metrics section at the end of each post page. The numbers come from
:mod:`tidings.metrics.dashboards`, their charts and tables from :mod:`.dashboard_views`; this module
reads the history once and puts the pages together.
"""

from __future__ import annotations

import gc
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from tidings.errors import InboxError, MetricsError
from tidings.metrics import dashboards as d
from tidings.metrics.export import CsvWriter, FollowerRow, MetricRow, RowMaker, follower_rows
from tidings.metrics.inbox import InboxFacts
from tidings.metrics.report import MonthRecorder
from tidings.metrics.snapshots import Snapshot
from tidings.site import dashboard_views as v
from tidings.site.charts import reserve_ids, reset_ids
from tidings.site.data import SiteData
from tidings.site.historycache import HistoryCache
from tidings.site.parallel import ItemFailed, in_spans, parallel_possible

CSV = "metrics.csv"
CSV_FILE = "build/site-data/metrics.csv"
INDEX = "dashboards/index.md"
SECTIONS = (
    ("dashboards/channels.md", "Channels", "followers, posts per week, engagement per post"),
    ("dashboards/what-works.md", "What works", "engagement by tag, campaign and post type"),
    ("dashboards/best-time.md", "Best time to post", "engagement by weekday and hour"),
    ("dashboards/goals.md", "Goals", "progress and projection for brand/goals.yaml"),
    ("dashboards/competitors.md", "Competitors", "the accounts of brand/competitors.yaml"),
)


@dataclass(frozen=True)
class Page:
    src: str
    title: str
    template: str
    context: dict[str, Any]
    in_nav: bool = False
    search: bool = False  # tables of numbers: only the overview is in the search index


class PostSections(Mapping[str, dict[str, Any]]):
    """Per post id, the context of its metrics section (posts with readings only), drawn
    when asked for: each post page's builder (a worker process, perhaps) draws its own
    chart, with the id it would have had had every chart been drawn in order."""

    def __init__(self) -> None:
        self._series: dict[str, tuple[str, list[d.Series], int | None]] = {}

    def add(self, pid: str, title: str, series: list[d.Series], chart_id: int | None) -> None:
        self._series[pid] = (title, series, chart_id)

    def __getitem__(self, pid: str) -> dict[str, Any]:
        title, series, chart_id = self._series[pid]
        return v.post_section(title, series, chart_id)

    def __iter__(self) -> Iterator[str]:
        return iter(self._series)

    def __len__(self) -> int:
        return len(self._series)


@dataclass
class Dashboards:
    pages: list[Page] = field(default_factory=list)
    post_sections: PostSections = field(default_factory=PostSections)
    """Per post id, the context of its metrics section (posts with readings only)."""
    csv: Path = Path()
    """The written ``metrics.csv`` (in ``build/site-data/``), copied into the site."""
    months: MonthRecorder = field(default_factory=MonthRecorder)
    """The same pass's readings by month, for the monthly reports."""


@dataclass
class _History:
    """What one pass over the history leaves: each (post, channel)'s latest reading, each
    post's series, followers per day, the competitors' readings, and the CSV on disk."""

    totals: list[MetricRow]
    series: dict[str, list[d.Series]]
    followers: list[FollowerRow]
    competitors: list[Snapshot]
    snapshots: int
    last_day: date | None
    months: MonthRecorder


_Write = Callable[[Sequence[MetricRow]], None]


@dataclass
class _Pass:
    """One pass over (a part of) the history, a snapshot at a time: each row goes to the
    CSV and to these, and is dropped. Parts read in worker processes are merged in order."""

    series: d.SeriesBuilder
    last: dict[tuple[str, str], MetricRow] = field(default_factory=dict)
    months: MonthRecorder = field(default_factory=MonthRecorder)
    followers: list[FollowerRow] = field(default_factory=list)
    competitors: list[Snapshot] = field(default_factory=list)
    snapshots: int = 0
    last_day: date | None = None

    def read(self, maker: RowMaker, snapshots: Iterable[Snapshot], write: _Write) -> None:
        last, add, months = self.last, self.series.add, self.months
        gc_was_on = gc.isenabled()
        gc.disable()  # many small objects and no cycles: collection passes would only cost time
        try:
            for snapshot in snapshots:
                rows = maker.rows(snapshot)
                write(rows)
                keyed = [((row.post, row.channel), row) for row in rows]
                last.update(keyed)
                months.add_day(snapshot.day, keyed)  # every row is of the snapshot's day
                for row in rows:
                    add(row)
                read = follower_rows([snapshot])
                self.followers += read
                months.add_followers(read)
                if snapshot.competitors:
                    self.competitors.append(replace(snapshot, channels={}))
                self.snapshots, self.last_day = self.snapshots + 1, snapshot.day
        finally:
            if gc_was_on:
                gc.enable()

    def merge(self, later: _Pass) -> bool:
        """Add ``later`` (the part read after this one); False when the series cannot be
        merged exactly (see :meth:`SeriesBuilder.merge`)."""
        if not self.series.merge(later.series):
            return False
        self.last.update(later.last)
        self.months.merge(later.months)
        self.followers += later.followers
        self.competitors += later.competitors
        self.snapshots += later.snapshots
        if later.last_day is not None:
            self.last_day = later.last_day
        return True

    def history(self) -> _History:
        totals = [self.last[key] for key in sorted(self.last)]
        return _History(
            totals,
            self.series.result(),
            self.followers,
            self.competitors,
            self.snapshots,
            self.last_day,
            self.months,
        )


def _read_history(data: SiteData, csv: Path, jobs: int = 1) -> _History:
    """Read the history a snapshot at a time, writing ``metrics.csv`` on the way: in
    ``jobs`` worker processes, a run of days each, when the history is files and there are
    several of them; the same result and the same bytes either way. What the last build
    kept of the same files is taken back, and only the snapshots after them read
    (:mod:`tidings.site.historycache`).

    The table is written to a file of this build's own and renamed into place when whole:
    another build of the same workspace at once never reads or keeps half of it."""
    csv.parent.mkdir(parents=True, exist_ok=True)
    work = csv.with_name(f"{csv.name}.{os.getpid()}")
    try:
        history = _read_into(data, work, jobs)
        os.replace(work, csv)
        return history
    finally:
        work.unlink(missing_ok=True)


def _read_into(data: SiteData, csv: Path, jobs: int) -> _History:
    files = list(data.history_files()) if data.history_files is not None else []
    where = data.history_root
    cache = HistoryCache(where, data.tz, files) if files and where is not None else None
    if cache is not None and cache.covers() >= (len(files) / 2 if jobs > 1 else 1):
        # (with workers, reading most of the history afresh is as quick in parts)
        found = _read_after_kept(data, csv, files, cache)
        if found is not None:
            return found
    whole: _Pass | None = None
    if jobs > 1 and len(files) > 1 and parallel_possible():
        whole = _read_in_parts(data, csv, files, jobs)
    if whole is None:
        whole = _Pass(d.SeriesBuilder(data.tz))
        with csv.open("w", encoding="utf-8", newline="") as file:
            whole.read(RowMaker(data.ws), data.history(), CsvWriter(file).write_many)
    if cache is not None:
        _keep(cache, whole, csv)
    return whole.history()


def _keep(cache: HistoryCache, whole: _Pass, csv: Path) -> None:
    cache.keep(
        whole.series,
        whole.last,
        whole.months,
        whole.followers,
        whole.competitors,
        whole.snapshots,
        whole.last_day,
        csv,
    )


def _read_after_kept(
    data: SiteData, csv: Path, files: list[str], cache: HistoryCache
) -> _History | None:
    """The history from what the last build kept and the snapshots after it; None when
    nothing usable was kept (read it all)."""
    maker = RowMaker(data.ws)
    kept = cache.take(maker, data.tz, csv)
    if kept is None:
        return None
    whole = _Pass(
        kept.series,
        kept.last,
        kept.months,
        kept.followers,
        kept.competitors,
        kept.snapshots,
        kept.last_day,
    )
    rest = files[kept.files :]
    if not rest:
        return whole.history()
    part = _Pass(d.SeriesBuilder(data.tz, part=True))
    with csv.open("a", encoding="utf-8", newline="") as file:
        part.read(maker, data.history_part(rest), CsvWriter(file, header=False).write_many)
    if not whole.merge(part):
        return None
    _keep(cache, whole, csv)
    return whole.history()


PARTS_PER_JOB = 1
"""Runs of days a worker reads: one. Each part's result (its series, its latest readings by
month) is pickled, sent and merged, about 0.2 s of CPU a part at 5,000 posts, and the days
cost much the same to read, so more parts would balance little."""


@dataclass(frozen=True)
class _Unreadable:
    message: str
    hint: str | None


def _read_in_parts(data: SiteData, csv: Path, files: list[str], jobs: int) -> _Pass | None:
    """:func:`_read_history` in worker processes, each part's rows in a CSV of its own,
    joined in order. None when the parts do not merge exactly (read it in one pass)."""

    def part_csv(start: int) -> Path:
        return csv.with_name(f"{csv.name}.part-{start:06d}")

    maker = RowMaker(data.ws)
    maker.type_every_post()  # once, here, not in every part

    def read_part(start: int, end: int) -> tuple[_Pass, Path] | _Unreadable:
        part = _Pass(d.SeriesBuilder(data.tz, part=True))
        path = part_csv(start)
        rel = files[start]
        try:
            with path.open("w", encoding="utf-8", newline="") as file:
                write = CsvWriter(file, header=False).write_many
                for rel in files[start:end]:
                    part.read(maker, data.history_part([rel]), write)
        except MetricsError as exc:  # the file is named: the message the serial read gives
            return _Unreadable(exc.message, exc.hint)
        except Exception as exc:  # reported by the file read, not as a traceback
            raise ItemFailed(rel, exc) from None
        return part, path

    try:
        results, _ = in_spans(
            read_part,
            len(files),
            jobs,
            "the metrics history",
            "reading the snapshot",
            PARTS_PER_JOB,
        )
        whole = _Pass(d.SeriesBuilder(data.tz))
        for result in results:
            if isinstance(result, _Unreadable):
                raise MetricsError(result.message, result.hint)
            if not whole.merge(result[0]):
                return None
        with csv.open("w", encoding="utf-8", newline="") as file:
            CsvWriter(file)  # the header
        with csv.open("ab") as out:
            for result in results:
                assert not isinstance(result, _Unreadable)
                with result[1].open("rb") as part_file:
                    shutil.copyfileobj(part_file, out, 1 << 20)
        return whole
    finally:
        for path in csv.parent.glob(f"{csv.name}.part-*"):
            path.unlink(missing_ok=True)


def _inbox_facts(data: SiteData) -> InboxFacts | None:
    """What ``answered_within`` goals are measured on; None when the record does not read
    (the Inbox page says why)."""
    try:
        record = data.inbox()
    except InboxError:
        return None
    within = data.ws.brand.inbox.respond_within if data.ws.brand else None
    items = tuple(i for items in record.values() for i in items)
    return InboxFacts(items, within, data.now)


def build_dashboards(data: SiteData, jobs: int = 1) -> Dashboards:
    """Every dashboard page, the post sections and the CSV, from ``data.history()``; the
    history read in up to ``jobs`` worker processes (see :func:`_read_history`)."""
    reset_ids()
    ws, tz = data.ws, data.tz
    csv = ws.root / CSV_FILE  # a file, not a string: a long history makes a big table
    history = _read_history(data, csv, jobs)
    out = Dashboards(csv=csv, months=history.months)
    totals = history.totals
    stats = d.channel_stats(totals, history.followers, tz)
    last_day = history.last_day
    common = {
        "engagement": d.ENGAGEMENT,
        "csv": CSV,
        "last_day": v.date_text(last_day) if last_day else None,
        "snapshots": history.snapshots,
        "sections": SECTIONS,
        "tzname": str(tz),
        "fmt": v.fmt,
        "day": v.date_text,
    }

    shown = [(pid, ws.posts[pid].title, s) for pid, s in history.series.items() if pid in ws.posts]
    charted = [v.has_post_chart(series) for _, _, series in shown]
    next_id = reserve_ids(sum(charted))  # the post charts come first, as drawn in this order
    for (pid, title, series), chart in zip(shown, charted, strict=True):
        out.post_sections.add(pid, title, series, next_id if chart else None)
        next_id += chart

    out.pages.append(
        Page(
            INDEX,
            "Dashboards",
            "dashboards_index.html",
            {**common, "channels": stats},
            in_nav=True,
            search=True,
        )
    )
    out.pages.append(
        Page(
            SECTIONS[0][0],
            "Channels",
            "dashboards_channels.html",
            {**common, "channels": [(s, v.channel_charts(s)) for s in stats]},
        )
    )
    groups = [
        v.group_chart("tag", "tag", d.by_tag(totals)),
        v.group_chart("campaign", "campaign", d.by_campaign(totals)),
        v.group_chart("type", "post type", d.by_type(totals)),
    ]
    out.pages.append(
        Page(
            SECTIONS[1][0],
            "What works",
            "dashboards_groups.html",
            {**common, "charts": groups, "posts": len(totals)},
        )
    )
    heat = d.heatmap(totals, tz)
    out.pages.append(
        Page(
            SECTIONS[2][0],
            "Best time to post",
            "dashboards_heatmap.html",
            {
                **common,
                "hours": list(heat.hours),
                "rows": v.heat_rows(heat),
                "best": [(d.WEEKDAYS[day], h, v.fmt(m), n) for day, h, m, n in heat.best()],
            },
        )
    )
    facts = _inbox_facts(data) if any(g.metric == "answered_within" for g in ws.goals) else None
    goals = [v.goal_view(d.goal_progress(g, totals, stats, tz, facts)) for g in ws.goals]
    out.pages.append(
        Page(SECTIONS[3][0], "Goals", "dashboards_goals.html", {**common, "goals": goals})
    )
    rivals = d.competitor_stats(history.competitors)
    out.pages.append(
        Page(
            SECTIONS[4][0],
            "Competitors",
            "dashboards_competitors.html",
            {
                **common,
                "competitors": rivals,
                "configured": ws.competitors,
                "own": v.own_accounts(stats),
                "chart": v.competitor_chart(rivals),
            },
        )
    )
    return out


__all__ = ["CSV", "Dashboards", "Page", "build_dashboards"]
