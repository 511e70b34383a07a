"""Benchmark the metrics dashboards: 5,000 posts × 90 daily snapshots.

    python benchmarks/bench_dashboards.py [--posts 5000] [--days 90] [--seed 0] [--repeat 3] [--kept]

The workspace is ``synth.py``'s (cached under ``build/bench/``, shared with the other
benchmarks); the history is made here and cached beside it
(``build/bench/metrics-<posts>x<days>-seed-<seed>-v<version>/metrics/``): one snapshot a day for
``--days`` days, each holding every post on each of its Mastodon and Bluesky channels (as if
the window were longer than the history), starting the day after the last post, with counts that grow over the days and about
1% of readings ``null``, followers for both channels, and four competitor accounts.

Each run reads the history whole, as a first site build does; with ``--kept`` it takes back
what the run before kept in ``build/cache/`` (:mod:`tidings.site.historycache`), as every
later build does. Each run happens in a fresh child process, which reports its phases and its peak resident
memory (``ru_maxrss``):

* dashboards: ``build_dashboards``: reading the history a snapshot at a time
  (``iter_snapshots(raw=False)``, as the site does), the tidy rows, ``metrics.csv`` (written
  to ``build/site-data/``), every aggregation
  (latest readings, channels, tags/campaigns/types, weekday × hour, goals, competitors,
  each post's series) and every chart (one per post with metrics, SVG via leather);
* with ``--jobs`` > 1 the history is read in that many forked processes, a run of days each,
  merged in order (as ``tidings site build`` reads it); their CPU time is counted;
* render: the dashboard pages and each post's metrics section through their templates
  (each section's chart is drawn here, when asked for, as a post page's builder does), in
  ``--jobs`` forked processes as ``tidings site build`` does (default: one per CPU, at most
  8; the workers' CPU time is counted).

The CPU time of the three phases (user + system) is reported too: on a shared machine the
wall clock says as much about the neighbours as about the code.

Loading the workspace itself (the posts) is timed apart: the site does it anyway. Target:
dashboards + render under 10 s and peak memory under 500 MB. The exit status is
non-zero only when something fails, never for a missed target.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_check import REPO, workspace  # noqa: E402

HISTORY_VERSION = 1  # bump when history() changes, so the cached files are made again
TARGET_SECONDS = 10.0
TARGET_MB = 500.0
READ = ("mastodon", "bluesky")


def history(cache: Path, root: Path, n: int, days: int, seed: int) -> Path:
    """The cached folder whose ``metrics/`` holds the synthetic history for ``root``."""
    from tidings.metrics.snapshots import (
        ChannelReading,
        CompetitorReading,
        PostReading,
        Snapshot,
        dump_snapshot,
        snapshot_path,
    )
    from tidings.platforms.base import AccountCounts, Counts
    from tidings.workspace.loader import load_workspace

    target = cache / f"metrics-{n}x{days}-seed-{seed}-v{HISTORY_VERSION}"
    if (target / "done").is_file():
        return target
    print(f"writing {days} snapshots of {n:,} posts in {target} ...", file=sys.stderr, flush=True)
    ws, _ = load_workspace(root)
    rng = random.Random(seed)
    jobs = []
    for post in sorted(ws.posts.values(), key=lambda p: p.id):
        for cid in post.channels:
            if cid in READ and post.when(cid) is not None:
                jobs.append((post.id, cid, post.when(cid), rng.uniform(2, 40)))
    first = max(at for _, _, at, _ in jobs).date() + timedelta(days=1)  # after every post
    for offset in range(days):
        day = first + timedelta(days=offset)
        collected = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=5)
        posts: dict[str, list[PostReading]] = {c: [] for c in READ}
        for pid, cid, at, total in jobs:
            share = 1 - math.exp(-(offset + 1) / 3)
            if rng.random() < 0.01:
                counts = Counts(None, None, None, None, None, {})
            else:
                n_ = int(total * share)
                quotes = None if cid == "mastodon" else n_ // 20
                counts = Counts(n_ // 2, n_ // 4, n_ // 8, quotes, None, {})
            posts[cid].append(PostReading(pid, cid, f"{cid}-{pid}", at, counts))
        channels = {
            cid: ChannelReading(
                cid, cid, "ok", AccountCounts(1000 + 5 * offset, {}), tuple(posts[cid])
            )
            for cid in READ
        }
        competitors = tuple(
            CompetitorReading(
                f"Rival {i}", READ[i % 2], f"rival{i}", "ok", 900 + offset, 40, 3.5, 9.0
            )
            for i in range(4)
        )
        snapshot = Snapshot(day, collected, 90, channels, snapshot_path(day), competitors)
        path = target / snapshot.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_snapshot(snapshot), encoding="utf-8")
    (target / "done").write_text("", encoding="utf-8")
    return target


def child(root: Path, metrics_root: Path, jobs: int = 1, kept: bool = False) -> dict[str, float]:
    """One measured run (in a fresh process): phase times and peak RSS. ``jobs`` > 1: the
    post sections (each post's chart and tables) are drawn and rendered in that many forked
    workers, as ``tidings site build`` builds post pages; their CPU time is counted.
    ``kept``: take back what the run before kept of the history, as a second site build
    does (else it is deleted first, and the history read whole)."""
    from tidings.metrics.snapshots import iter_snapshots, read_snapshots, snapshot_files
    from tidings.site.dashboards_page import build_dashboards
    from tidings.site.data import SiteData
    from tidings.site.links import Linker
    from tidings.site.parallel import in_spans
    from tidings.site.templates import environment, render_template
    from tidings.workspace.loader import load_workspace

    out: dict[str, float] = {}
    t = time.perf_counter()
    ws, _ = load_workspace(root)
    out["workspace"] = time.perf_counter() - t
    usage = resource.getrusage(resource.RUSAGE_SELF)
    rss_before = usage.ru_maxrss / 1024
    cpu_before = usage.ru_utime + usage.ru_stime
    data = SiteData(
        ws=ws,
        diagnostics=(),
        jobs=(),
        now=datetime.now(UTC),
        history=lambda: iter_snapshots(metrics_root, raw=False),
        history_files=lambda: snapshot_files(metrics_root),
        history_part=lambda rels: read_snapshots(metrics_root, rels, raw=False),
        history_root=metrics_root,
    )
    if not kept:  # what an earlier run kept of the history (build/cache/): not used
        from tidings.site.historycache import forget

        forget(metrics_root)
    t = time.perf_counter()
    dash = build_dashboards(data, jobs)
    out["dashboards"] = time.perf_counter() - t
    t = time.perf_counter()
    shared = {"tz": data.tz, "chips": {}, "brand": "b", "brand_initial": "B", "now": data.now}
    size = 0
    for page in dash.pages:
        html = render_template(page.template, link=Linker(page.src), **shared, **page.context)
        size += len(html)
    pids = list(dash.post_sections)

    def sections(start: int, end: int) -> int:
        size = 0
        for pid in pids[start:end]:
            html = render_template(
                "post_metrics.html",
                link=Linker(f"posts/{pid}.md"),
                **shared,
                **dash.post_sections[pid],
            )
            size += len(html)
        return size

    environment().get_template("post_metrics.html")  # compiled before the workers fork
    sizes, _ = in_spans(sections, len(pids), jobs, "post sections")
    size += sum(sizes)
    out["render"] = time.perf_counter() - t
    usage = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    out["cpu_parent"] = usage.ru_utime + usage.ru_stime - cpu_before
    out["cpu_workers"] = workers.ru_utime + workers.ru_stime
    out["cpu"] = out["cpu_parent"] + out["cpu_workers"]
    with dash.csv.open("rb") as file:
        out["rows"] = sum(block.count(b"\n") for block in iter(lambda: file.read(1 << 20), b"")) - 1
    out["snapshots"] = len(snapshot_files(metrics_root))
    out["post_sections"] = len(dash.post_sections)
    out["csv_mb"] = dash.csv.stat().st_size / 1e6
    out["html_mb"] = size / 1e6
    out["rss_workspace_mb"] = rss_before
    out["rss_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--jobs",
        type=int,
        help="worker processes for the post sections (default: as `tidings site build`, "
        "one per CPU, at most 8)",
    )
    parser.add_argument(
        "--kept",
        action="store_true",
        help="time a second build's read: what the run before kept of the history in "
        "build/cache/ is taken back (default: deleted before each run, the history read whole)",
    )
    parser.add_argument(
        "--child", nargs=2, metavar=("ROOT", "METRICS_ROOT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.jobs is None:
        from tidings.site.parallel import default_jobs

        args.jobs = default_jobs()
    if args.child:
        found = child(Path(args.child[0]), Path(args.child[1]), args.jobs, args.kept)
        print(json.dumps(found))
        return 0
    cache = REPO / "build" / "bench"
    root, _, _ = workspace(cache, args.posts, args.seed)
    metrics_root = history(cache, root, args.posts, args.days, args.seed)
    runs = []
    jobs = ["--jobs", str(args.jobs), *(["--kept"] if args.kept else [])]
    for _ in range(args.repeat):
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(root), str(metrics_root), *jobs],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        runs.append(json.loads(done.stdout))
    best = min(runs, key=lambda r: r["dashboards"] + r["render"])
    total = best["dashboards"] + best["render"]
    peak = max(r["rss_peak_mb"] for r in runs)
    print(
        f"{args.posts:,} posts × {int(best['snapshots'])} snapshots: {int(best['rows']):,} "
        f"rows; {int(best['post_sections']):,} post charts; "
        f"metrics.csv {best['csv_mb']:.0f} MB"
    )
    print(f"history and post sections in {args.jobs} process{'es' if args.jobs > 1 else ''}")
    print(
        "the history: what the run before kept, and the days after it"
        if args.kept
        else "the history read whole (nothing kept from the run before)"
    )
    print(f"| phase | seconds (best of {args.repeat}) |")
    print("|---|---|")
    for phase in ("workspace", "dashboards", "render"):
        print(f"| {phase} | {best[phase]:.2f} |")
    print(
        f"| **dashboards + render** | **{total:.2f}** ({best['cpu']:.2f} s CPU: parent "
        f"{best['cpu_parent']:.2f} + workers {best['cpu_workers']:.2f}; "
        f"target {TARGET_SECONDS:.0f}) |"
    )
    print(
        f"peak RSS {peak:.0f} MB (target {TARGET_MB:.0f}; the workspace alone "
        f"{best['rss_workspace_mb']:.0f} MB)"
    )
    if total > TARGET_SECONDS or peak > TARGET_MB:
        print("target missed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
