"""The metrics history as the last site build read it, kept in ``build/cache/``.

A site build reads every snapshot of ``metrics/`` once (:mod:`tidings.site.dashboards_page`):
the tidy rows, ``metrics.csv``, each post's series, each month's readings. With a long
history that is the largest part of a build (90 daily snapshots of 5,000 posts: about 11 s
of CPU), and it is the same every build but for the newest days: past snapshots do not
change. So a build keeps what that pass left (its state, :meth:`SeriesBuilder.state` and
:meth:`MonthRecorder.state`, its rows once each) in ``build/cache/history.json``, and the
CSV's rows in a file named by the state. The next build takes it back when

* the kept files are the first files of the history now, each with the same bytes (a
  digest; trusted while a file keeps its size and modification time);
* the configuration that shapes the pass is the same: the brand's timezone, :data:`FORMAT`
  and the code that reads and keeps it (a digest of its modules' source);
* every post the kept rows name still has the campaign, tags and post type its rows hold;

and then reads only the snapshots after them, merged in order as parts read in worker
processes are (:meth:`SeriesBuilder.merge`): the same result, byte for byte. Anything else (a
missing, stale, malformed or foreign file, an edited past snapshot) and the history is read
whole, as without a cache. JSON only; written atomically; deleting the folder is always
safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from tidings.metrics import dashboards
from tidings.metrics.export import (
    BIG,
    FollowerRow,
    MetricRow,
    RowCodec,
    RowMaker,
    follower_cells,
    followers_from_cells,
    is_count,
    rows_from_cells,
)
from tidings.metrics.report import MonthRecorder
from tidings.metrics.snapshots import CompetitorReading, Snapshot
from tidings.workspace.filecache import RACY_NS
from tidings.workspace.files import checked, summed, write_atomic, zone_stamp

STATE = "build/cache/history.json"
CSV_GLOB = "history-*.csv"
_CSV_NAME = re.compile(r"history-[0-9a-f]{16}\.csv")
FORMAT = 2  # bump when what is kept changes


@dataclass
class Kept:
    """A pass over the first :attr:`files` of the history, as a build left it."""

    files: int
    series: dashboards.SeriesBuilder
    last: dict[tuple[str, str], MetricRow]
    months: MonthRecorder
    followers: list[FollowerRow]
    competitors: list[Snapshot]
    snapshots: int
    last_day: date | None


def _stamp(tz: str) -> str:
    """The format, the timezone (its name and rules, see :func:`zone_stamp`) and the code
    that makes and keeps the pass: every module of :mod:`tidings.metrics` (the pass reads
    through several: snapshots, counts, export…), this one and the dashboards' page."""
    digest = hashlib.blake2b(digest_size=16)
    metrics = Path(str(dashboards.__file__)).parent
    for module in sorted(metrics.glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes())
    here = Path(__file__)
    for name in (here.name, "dashboards_page.py"):  # this, and the pass it keeps
        digest.update(here.with_name(name).read_bytes())
    return f"{FORMAT}:{tz}:{digest.hexdigest()}"


def _file_digest(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, lambda: hashlib.blake2b(digest_size=16)).hexdigest()


def _fingerprints(
    root: Path, rels: Sequence[str], known: dict[str, list[Any]]
) -> list[list[Any]] | None:
    """``[rel, size, mtime_ns, digest]`` for each file; the digest taken from ``known`` while
    the size and time are the same. None when a file cannot be read."""
    out = []
    recent = time.time_ns() - RACY_NS
    for rel in rels:
        try:
            st = os.stat(root / rel)
            was = known.get(rel)
            if was is not None and was[1:3] == [st.st_size, st.st_mtime_ns]:
                digest = was[3]
            else:
                digest = _file_digest(root / rel)
        except OSError:
            return None
        # a file changed just now may change again within its time's granularity, keeping
        # its size: its digest is taken again next time (as the file cache does)
        size = -1 if st.st_mtime_ns >= recent else st.st_size
        out.append([rel, size, st.st_mtime_ns, digest])
    return out


def _competitor_cells(snapshot: Snapshot) -> list[Any]:
    def instant(at: datetime | None) -> str | None:
        return at.isoformat() if at is not None else None

    return [
        snapshot.day.toordinal(),
        snapshot.collected_at.isoformat(),
        snapshot.window_days,
        snapshot.path,
        [[*c[:9], instant(c.read_at), instant(c.failed_at)] for c in snapshot.competitors],
    ]


def _competitor_snapshot(cells: Sequence[Any]) -> Snapshot:
    ordinal, collected, window, path, readings = cells
    if type(window) is not int or type(path) is not str:
        raise ValueError("a competitors' snapshot")

    def instant(at: object) -> datetime | None:
        if at is None:
            return None
        if type(at) is not str:
            raise ValueError("an instant is text")
        return datetime.fromisoformat(at)

    found = []
    for name, platform, handle, state, followers, posts, per_week, median, error, *at in readings:
        if not all(type(t) is str for t in (name, platform, handle, state)):
            raise ValueError("a competitor's name, platform, handle and state are text")
        if not (is_count(followers) and is_count(posts) and posts is not None):
            raise ValueError("a competitor's counts")
        if not all(n is None or (type(n) is float and 0 <= n < BIG) for n in (per_week, median)):
            raise ValueError("a competitor's rates")
        if not (error is None or type(error) is str) or len(at) != 2:
            raise ValueError("a competitor's error")
        found.append(
            CompetitorReading(
                name,
                platform,
                handle,
                state,
                followers,
                posts,
                per_week,
                median,
                error,
                instant(at[0]),
                instant(at[1]),
            )
        )
    stamp = instant(collected)
    if type(ordinal) is not int or stamp is None:
        raise ValueError("a competitors' snapshot's day")
    return Snapshot(
        date.fromordinal(ordinal), stamp, window, {}, path=path, competitors=tuple(found)
    )


def _kept_tables(folder: Path) -> list[Path]:
    """The kept tables in ``folder``, and any a build left half-copied."""
    return [*folder.glob(CSV_GLOB), *folder.glob(f".{CSV_GLOB}.tmp")]


def forget(root: Path) -> None:
    """Delete what was kept of ``root``'s history."""
    folder = root / "build/cache"
    (root / STATE).unlink(missing_ok=True)
    for csv in _kept_tables(folder):
        csv.unlink(missing_ok=True)


class HistoryCache:
    """``build/cache/history.json`` and its CSV for one build of ``root``'s history."""

    def __init__(self, root: Path, tz: tzinfo, files: Sequence[str]) -> None:
        self.root = root
        self.files = list(files)
        self._stamp = _stamp(zone_stamp(tz))  # the zone's rules, not only its name
        self._known: dict[str, list[Any]] = {}
        self._data: dict[str, Any] | None = None
        self._prints: list[list[Any]] | None = None
        with contextlib.suppress(OSError, ValueError, RecursionError):
            data = json.loads(checked((root / STATE).read_bytes()))
            if isinstance(data, dict) and data.get("stamp") == self._stamp:
                self._data = data
                prints = data.get("files")
                if isinstance(prints, list):
                    self._known = {
                        p[0]: p
                        for p in prints
                        if isinstance(p, list) and len(p) == 4 and isinstance(p[0], str)
                    }

    def _fingerprints(self) -> list[list[Any]] | None:
        if self._prints is None:
            self._prints = _fingerprints(self.root, self.files, self._known)
        return self._prints

    def covers(self) -> int:
        """How many of the first files of the history the last build kept a pass over (each
        unchanged since); 0 when none."""
        data = self._data
        if data is None:
            return 0
        kept = data.get("files")
        prints = self._fingerprints()
        if not isinstance(kept, list) or prints is None or not 0 < len(kept) <= len(prints):
            return 0
        if [(p[0], p[3]) for p in prints[: len(kept)]] != [
            (k[0], k[3]) if isinstance(k, list) and len(k) == 4 else None for k in kept
        ]:
            return 0  # a file of the kept ones changed, or another is among them
        return len(kept)

    def take(self, maker: RowMaker, tz: Any, into: Path) -> Kept | None:
        """What the last build kept, when it is a pass over the first files of the history
        now (:meth:`covers`) and every post it names is as it was, its CSV (with the header)
        copied to ``into``; else None (``into`` then holds anything: write it anew)."""
        data = self._data
        n = self.covers()
        if data is None or n == 0:
            return None
        try:
            name = data["csv"]
            if type(name) is not str or not _CSV_NAME.fullmatch(name):
                return None  # only a file of ours, in build/cache/
            with (self.root / "build/cache" / name).open("rb") as kept, into.open("wb") as out:
                digest = hashlib.blake2b(digest_size=16)
                while block := kept.read(1 << 20):
                    digest.update(block)
                    out.write(block)
            if digest.hexdigest() != data["csv_sum"]:
                return None  # damaged, or not the file this state was kept with
            rows = rows_from_cells(data["rows"])
            last_places = data["last"]
            last = {}
            for place in last_places:
                if type(place) is not int or place < 0:
                    raise ValueError("a latest reading is a row's place")
                row = rows[place]
                last[row.post, row.channel] = row
            if not all(maker.agrees(row) for row in last.values()):
                return None  # a post's campaign, tags or type changed since
            series = dashboards.SeriesBuilder.from_state(tz, data["series"], rows)
            months = MonthRecorder.from_state(data["months"], rows)
            followers = followers_from_cells(data["followers"])
            competitors = [_competitor_snapshot(c) for c in data["competitors"]]
            count, day = data["snapshots"], data["last_day"]
            if type(count) is not int or not (day is None or type(day) is int):
                raise ValueError("the count of snapshots and the last day")
            return Kept(
                n,
                series,
                last,
                months,
                followers,
                competitors,
                count,
                date.fromordinal(day) if day is not None else None,
            )
        except (
            KeyError,
            TypeError,
            ValueError,
            IndexError,
            AttributeError,
            OSError,
            OverflowError,
            RecursionError,
        ):
            return None

    def keep(
        self,
        series: dashboards.SeriesBuilder,
        last: dict[tuple[str, str], MetricRow],
        months: MonthRecorder,
        followers: list[FollowerRow],
        competitors: list[Snapshot],
        snapshots: int,
        last_day: date | None,
        csv: Path,
    ) -> None:
        """Keep a pass over every file of the history (``csv``: the whole table, with its
        header, this build's own file, never written again: it is linked, not copied);
        never fails a build. Call it before the pass's result is taken."""
        prints = self._fingerprints()
        if prints is None or not prints:
            return
        folder = self.root / "build/cache"
        name = f"history-{secrets.token_hex(8)}.csv"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            try:
                os.link(csv, folder / name)
            except OSError:  # another file system, or no hard links: a copy
                tmp = folder / f".{name}.tmp"
                shutil.copyfile(csv, tmp)
                os.replace(tmp, folder / name)
            csv_sum = _file_digest(folder / name)
            codec = RowCodec()
            state = {
                "stamp": self._stamp,
                "files": prints,
                "csv": name,
                "csv_sum": csv_sum,
                "last": [codec.place(row) for row in last.values()],
                "series": series.state(codec),
                "months": months.state(codec),
                "followers": follower_cells(followers),
                "competitors": [_competitor_cells(s) for s in competitors],
                "snapshots": snapshots,
                "last_day": last_day.toordinal() if last_day is not None else None,
                "rows": codec.cells,
            }
            text = json.dumps(state, separators=(",", ":"))
            write_atomic(self.root / STATE, summed(text), sync=False)
        except OSError:
            with contextlib.suppress(OSError):
                (folder / f".{name}.tmp").unlink(missing_ok=True)
                (folder / name).unlink(missing_ok=True)
            return
        for old in _kept_tables(folder):
            if old.name != name:
                with contextlib.suppress(OSError):
                    old.unlink()
