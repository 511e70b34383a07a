"""Benchmark `tidings site build` against mkdocs-material's own blog plugin.

    python benchmarks/bench_site.py [--sizes 100 1000 5000] [--repeat 3] [--seed 0] [--cold]

For each size N the synthetic workspace of ``benchmarks/synth.py`` (cached under
``build/bench/``, shared with ``bench_check.py``) is built two ways, each as a subprocess
timed like the check benchmark (wall clock and peak RSS of the child), plus the child's CPU
time, which a busy shared machine distorts much less than the wall clock:

* tidings:  ``tidings --root DIR site build --out OUT --now 2026-06-01T09:00`` (check, plan,
  render every channel of every post, month calendars, a page per post with cards and
  meters, the .ics, then MkDocs + mkdocs-material render every page; the default
  configuration, since synthetic workspaces have no mkdocs.yml);
* blog:     ``mkdocs build`` of a project holding the same posts as mkdocs-material blog
  entries (title, date, campaign as category, the body), with the ``search`` and ``blog``
  plugins: its post pages, paginated index, archive and category pages.

The anchor from shared/dependencies.md: the blog plugin builds 1,000 posts in about 7 s.
Targets: 1,000 posts in under 20 s, and not slower than the blog plugin. The exit status
is non-zero only when a build fails, never for a missed target.

``--history DAYS`` builds the tidings site of a copy of each workspace (hard links, made
once) that also holds ``bench_dashboards.py``'s synthetic metrics history of ``DAYS`` daily
snapshots: every post on Mastodon and Bluesky read every day, so every post page gets a
metrics section and a chart (issue 20: 5,000 posts × 90 days in under 20 s).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_check import REPO, git_state, tool, version, workspace  # noqa: E402

TARGET_1K = 20.0  # seconds for 1,000 posts
ANCHOR_BLOG_1K = 7.0  # mkdocs-material's blog plugin, 1,000 posts (shared/dependencies.md)
NOW = "2026-06-01T09:00"


# Like bench_check's wrapper, plus the children's CPU time (user + system): on a shared
# machine wall time depends on the load, CPU time much less.
WRAPPER = """\
import json, os, resource, subprocess, sys, time
cmd, cwd, out, err = json.loads(sys.argv[1])
env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
env.pop("PYTHONDONTWRITEBYTECODE", None)
with open(out, "wb") as o, open(err, "wb") as e:
    start = time.perf_counter()
    rc = subprocess.run(cmd, cwd=cwd, stdout=o, stderr=e, env=env).returncode
    wall = time.perf_counter() - start
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": r.ru_utime + r.ru_stime, "maxrss_kb": r.ru_maxrss, "rc": rc}))
"""


@dataclass
class Run:
    wall: float  # best of the runs, seconds
    cpu: float  # CPU seconds of that best run
    peak_mb: float  # highest peak RSS of the runs
    rc: int
    stderr: str

    def cell(self) -> str:
        return f"{self.wall:.2f} s ({self.cpu:.2f} s CPU), {self.peak_mb:.0f} MB"


def measure(cmd: list[str], cwd: Path, repeat: int, cold: Path | None = None) -> Run:
    """Best of ``repeat`` runs; with ``cold``, that folder is deleted before each run."""
    best: Run | None = None
    with tempfile.TemporaryDirectory(prefix="tidings-bench-") as tmp:
        for _ in range(repeat):
            if cold is not None:
                shutil.rmtree(cold, ignore_errors=True)
            spec = json.dumps([cmd, str(cwd), f"{tmp}/out", f"{tmp}/err"])
            proc = subprocess.run(
                [sys.executable, "-c", WRAPPER, spec], capture_output=True, text=True, check=True
            )
            r = json.loads(proc.stdout)
            err = Path(tmp, "err").read_text("utf-8", "replace")
            run = Run(r["wall"], r["cpu"], r["maxrss_kb"] / 1024, r["rc"], err)
            if best is None or run.wall < best.wall:
                peak = max(run.peak_mb, best.peak_mb if best else 0)
                best = run
                best.peak_mb = peak
            else:
                best.peak_mb = max(best.peak_mb, run.peak_mb)
            best.rc = max(best.rc, run.rc)
    assert best is not None
    return best


def blog_project(cache: Path, ws: Path, posts: list[str]) -> Path:
    """An mkdocs-material blog with ``posts`` as entries (cached next to the workspace)."""
    target = ws.parent / "blog"
    if (target / "mkdocs.yml").is_file():
        return target
    tmp = Path(tempfile.mkdtemp(prefix=".blog-", dir=ws.parent))
    docs = tmp / "docs"
    (docs / "blog" / "posts").mkdir(parents=True)
    (docs / "index.md").write_text("# Home\n", encoding="utf-8")
    (docs / "blog" / "index.md").write_text("# Blog\n", encoding="utf-8")
    for rel in posts:
        text = (ws / rel).read_text(encoding="utf-8")
        _, front, body = text.split("---\n", 2)
        meta = yaml.safe_load(front)
        at = str(meta.get("at") or "2026-01-01 00:00")
        draft = "draft: true\n" if meta.get("draft") else ""
        category = json.dumps(meta.get("campaign") or "general")
        slug = rel.removeprefix("content/posts/").replace("/", "-")  # slugs repeat by month
        title = str(meta.get("title", slug)).replace("\n", " ")
        (docs / "blog" / "posts" / slug).write_text(
            f"---\ndate: {at[:10]}\ncategories: [{category}]\n{draft}---\n# {title}\n\n{body}",
            encoding="utf-8",
        )
    config = {
        "site_name": "Blog benchmark",
        "theme": {"name": "material", "font": False},
        # {file}: synthetic titles repeat, and URLs from titles would overwrite each other
        "plugins": ["search", {"blog": {"draft": False, "post_url_format": "{date}/{file}"}}],
    }
    (tmp / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target


def with_history(cache: Path, ws: Path, n: int, days: int, seed: int) -> Path:
    """A copy of ``ws`` (hard links; its ``build/`` left out) whose ``metrics/`` holds the
    synthetic history of ``bench_dashboards.py``, made once and kept in ``cache``."""
    from bench_dashboards import HISTORY_VERSION, history

    target = cache / f"{ws.parent.name}-history-{days}-v{HISTORY_VERSION}" / "workspace"
    if (target / "tidings.yaml").is_file():
        return target
    metrics = history(cache, ws, n, days, seed) / "metrics"
    tmp = Path(tempfile.mkdtemp(prefix=".history-", dir=cache)) / "workspace"
    shutil.copytree(
        ws, tmp, copy_function=os.link, ignore=lambda d, _: ["build"] if d == str(ws) else []
    )
    shutil.rmtree(tmp / "metrics", ignore_errors=True)
    shutil.copytree(metrics, tmp / "metrics", copy_function=os.link)
    shutil.rmtree(target.parent, ignore_errors=True)
    tmp.parent.rename(target.parent)
    return target


def main(argv: list[str] | None = None) -> int:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000], metavar="N")
    parser.add_argument("--repeat", type=int, default=3, help="runs per build; best is kept")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-blog", action="store_true", help="skip the blog plugin builds")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="delete the workspace's build/cache (compiled templates, X lengths) before every "
        "tidings build, as in a fresh checkout (by default it is kept between runs)",
    )
    parser.add_argument(
        "--history",
        type=int,
        metavar="DAYS",
        help="build tidings sites with a synthetic metrics history of DAYS daily snapshots "
        "(bench_dashboards.py's; the blog builds are unchanged)",
    )
    parser.add_argument(
        "--cache", type=Path, default=REPO / "build" / "bench", help="where workspaces are kept"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        help="pass `--jobs N` to tidings site build (default: its own, one per CPU; the child's "
        "CPU time counts its workers, its peak RSS is the largest process's)",
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)

    tidings, mkdocs = tool("tidings"), tool("mkdocs")
    if tidings is None or mkdocs is None:
        print("error: install tidings first (make install)", file=sys.stderr)
        return 2
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"machine: {os.cpu_count()} CPUs ({usable} usable), "
        f"{platform.machine()}, Python {platform.python_version()}, {platform.system()}"
    )
    print(f"tidings: {version([tidings])}; {version([mkdocs])}")
    print(f"commit: {git_state()}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"best of {args.repeat} runs; peak RSS is the child process's ru_maxrss\n")

    failures: list[str] = []
    rows: list[dict[str, object]] = []
    for n in args.sizes:
        ws, _, posts = workspace(args.cache, n, args.seed)
        row: dict[str, object] = {"posts": n}
        site_ws = with_history(args.cache, ws, n, args.history, args.seed) if args.history else ws
        with tempfile.TemporaryDirectory(prefix="tidings-site-bench-") as out:
            cmd = [tidings, "--root", str(site_ws), "site", "build", "--out", out, "--now", NOW]
            cmd += ["--jobs", str(args.jobs)] if args.jobs else []
            cold = site_ws / "build" / "cache" if args.cold else None
            site = measure(cmd, site_ws, args.repeat, cold)
            pages = sum(1 for _ in Path(out).rglob("index.html"))
        row["tidings"] = {
            "wall": site.wall,
            "cpu": site.cpu,
            "peak_mb": site.peak_mb,
            "html_pages": pages,
        }
        if site.rc != 0:
            failures.append(f"{n}: tidings site build exited {site.rc}\n{site.stderr[-2000:]}")
        done = f"{n:,} posts: tidings {site.cell()} ({pages:,} pages)"
        if not args.no_blog:
            project = blog_project(args.cache, ws, posts)
            with tempfile.TemporaryDirectory(prefix="blog-site-bench-") as out:
                blog = measure([mkdocs, "build", "-q", "-d", out], project, args.repeat)
                blog_pages = sum(1 for _ in Path(out).rglob("index.html"))
            row["blog"] = {
                "wall": blog.wall,
                "cpu": blog.cpu,
                "peak_mb": blog.peak_mb,
                "html_pages": blog_pages,
            }
            if blog.rc != 0:
                failures.append(f"{n}: the blog build exited {blog.rc}\n{blog.stderr[-2000:]}")
            done += f"; blog plugin {blog.cell()} ({blog_pages:,} pages)"
        rows.append(row)
        print(done, file=sys.stderr, flush=True)

    print("| posts | tidings site build | pages | mkdocs-material blog plugin | pages |")
    print("|---:|---:|---:|---:|---:|")
    for row in rows:
        cells = [f"{row['posts']:,}"]
        for key in ("tidings", "blog"):
            r = row.get(key)
            if isinstance(r, dict):
                cells += [
                    f"{r['wall']:.2f} s ({r['cpu']:.2f} s CPU), {r['peak_mb']:.0f} MB",
                    f"{r['html_pages']:,}",
                ]
            else:
                cells += ["n/a", ""]
        print("| " + " | ".join(cells) + " |")
    print()
    for row in rows:
        t = row["tidings"]
        assert isinstance(t, dict)
        notes = [f"{row['posts']:,} posts:"]
        if row["posts"] == 1000:
            ok = t["wall"] < TARGET_1K
            notes.append(f"{'meets' if ok else 'MISSES'} the {TARGET_1K:g} s target;")
            notes.append(f"the anchor (blog plugin, dependencies.md) is ≈{ANCHOR_BLOG_1K:g} s;")
        b = row.get("blog")
        if isinstance(b, dict):
            ratio, cpu = b["wall"] / t["wall"], b["cpu"] / t["cpu"]
            notes.append(
                f"tidings is {'faster' if ratio >= 1 else 'SLOWER'} than the blog plugin "
                f"({ratio:.2f}x wall, {cpu:.2f}x CPU)."
            )
        print(" ".join(notes))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    for f in failures:
        print(f"\nFAILURE: {f}", file=sys.stderr, flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
