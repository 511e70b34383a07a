"""Benchmark `tidings publish --push` with many posts due at once on local channels.

    python benchmarks/bench_publish.py [--posts 1000] [--rounds 3] [--python PY]

A synthetic workspace (its own small brand, not the check generator's): ``--posts`` posts,
all due at 2026-12-10 09:00 in Europe/Berlin, every other one on the ``outbox`` channel and
the rest on ``feed`` (both local: no account, no network), committed as ``main`` of a bare
remote on disk, and a working clone of it, as CI checks it out. Each round runs, in a fresh
copy of that pair, what the scheduled workflow runs::

    python -m tidings --root WORK publish --push --now "2026-12-10 09:05" --now-for-real

Printed per round and as the median: wall time, the commits the run added to the remote,
and the pushes that moved the remote's branch (the bare remote logs every update of its
refs, ``core.logAllRefUpdates=always``). Each round is also checked, so a fast wrong run
cannot pass: every post recorded ``published`` on the remote, and every outbox post sent
exactly once (its ``sent.log``). The exit status is non-zero when a round is wrong.

``--python`` runs another interpreter's tidings (e.g. the main checkout's venv), which is
how the before/after row of ``benchmarks/README.md`` was measured on one machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AT = "2026-12-10 09:00"
NOW = "2026-12-10 09:05"

WORDS = [
    "light",
    "window",
    "studio",
    "morning",
    "print",
    "paper",
    "frame",
    "winter",
    "tea",
    "table",
    "wall",
    "colour",
    "shadow",
    "portrait",
    "lens",
    "film",
    "street",
    "market",
    "bread",
    "river",
    "garden",
]


def git(cwd: Path, *args: str) -> str:
    env = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")
    env.setdefault("GIT_AUTHOR_NAME", "bench")
    env.setdefault("GIT_AUTHOR_EMAIL", "bench@example.org")
    env.setdefault("GIT_COMMITTER_NAME", "bench")
    env.setdefault("GIT_COMMITTER_EMAIL", "bench@example.org")
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    ).stdout


def post_text(i: int) -> tuple[str, str]:
    """The i-th post file and the channel it goes to: a distinct text of 20 to 40 words."""
    channel = "outbox" if i % 2 == 0 else "feed"
    words = [WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(20 + i % 21)]
    body = f"Note {i}: " + " ".join(words) + "."
    text = f"---\ntitle: Note {i}\nat: {AT}\nchannels: [{channel}]\n---\n{body}\n"
    return text, channel


def build(base: Path, posts: int) -> tuple[Path, Path]:
    """The workspace as ``base/remote.git`` and its clone ``base/work``."""
    ws = base / "ws"
    files = {
        ".gitignore": "build/\n",
        "tidings.yaml": "version: 1\npublish:\n  lateness: 6h\n",
        "brand/brand.yaml": "name: Bench Studio\ntimezone: Europe/Berlin\n",
        "brand/channels.yaml": (
            "channels:\n"
            f"  outbox:\n    platform: outbox\n    path: {base / 'server-outbox'}\n"
            "  feed:\n    platform: feed\n"
        ),
    }
    for i in range(posts):
        files[f"content/posts/2026/12/note-{i:05d}.md"] = post_text(i)[0]
    for rel, text in files.items():
        target = ws / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    git(ws, "init", "--quiet", "--initial-branch=main")
    git(ws, "add", "-A")
    git(ws, "commit", "--quiet", "-m", "initial content")
    remote = base / "remote.git"
    git(base, "clone", "--quiet", "--bare", str(ws), str(remote))
    git(remote, "config", "core.logAllRefUpdates", "always")
    shutil.rmtree(ws)
    work = base / "work"
    git(base, "clone", "--quiet", str(remote), str(work))
    return remote, work


def one_round(template: Path, here: Path, python: str, posts: int) -> dict[str, object]:
    shutil.copytree(template, here, symlinks=True)
    remote, work = here / "remote.git", here / "work"
    git(work, "remote", "set-url", "origin", str(remote))
    # the copied paths in brand/channels.yaml still name the template: point them here
    channels = work / "brand/channels.yaml"
    channels.write_text(channels.read_text().replace(str(template), str(here)))
    git(work, "commit", "--quiet", "-am", "outbox path of this round")
    git(work, "push", "--quiet", "origin", "main")
    before = int(git(remote, "rev-list", "--count", "main"))
    updates_before = len(git(remote, "reflog", "show", "main").splitlines())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MASTODON_", "BLUESKY_"))}
    env["GIT_CONFIG_GLOBAL"] = "/dev/null"
    cmd = [python, "-m", "tidings", "--root", str(work), "publish", "--push"]
    cmd += ["--now", NOW, "--now-for-real"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    commits = int(git(remote, "rev-list", "--count", "main")) - before
    pushes = len(git(remote, "reflog", "show", "main").splitlines()) - updates_before
    problems: list[str] = []
    if proc.returncode != 0:
        problems.append(f"exit {proc.returncode}: {(proc.stderr or proc.stdout)[-800:]}")
    states = {}
    listing = git(remote, "ls-tree", "-r", "--name-only", "main", "ledger/")
    for rel in listing.splitlines():
        text = git(remote, "show", f"main:{rel}")
        for line in text.splitlines():
            if line.startswith("    state: "):
                states[rel] = line.split(": ", 1)[1]
    published = sum(1 for s in states.values() if s == "published")
    if published != posts:
        problems.append(f"{published} of {posts} posts recorded published on the remote")
    log = here / "server-outbox" / "sent.log"
    sent = (
        [json.loads(line)["post"] for line in log.read_text().splitlines()] if log.exists() else []
    )
    if len(sent) != len(set(sent)) or len(sent) != (posts + 1) // 2:
        problems.append(f"outbox sent {len(sent)} parts for {len(set(sent))} posts")
    shutil.rmtree(here)
    return {"wall": wall, "commits": commits, "pushes": pushes, "problems": problems}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--posts", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--python", default=sys.executable, help="the interpreter whose tidings runs")
    ap.add_argument("--json", type=Path, help="also write the rounds here")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-publish-") as tmp:
        template = Path(tmp) / "template"
        build(template, args.posts)
        rows = []
        for n in range(args.rounds):
            row = one_round(template, Path(tmp) / f"round-{n}", args.python, args.posts)
            rows.append(row)
            flag = "  WRONG: " + "; ".join(row["problems"]) if row["problems"] else ""  # type: ignore[arg-type]
            print(
                f"round {n + 1}: {row['wall']:.1f} s, {row['commits']} commits, "
                f"{row['pushes']} pushes{flag}",
                flush=True,
            )
    wall = statistics.median(float(r["wall"]) for r in rows)  # type: ignore[arg-type]
    commits = statistics.median(int(r["commits"]) for r in rows)  # type: ignore[call-overload]
    pushes = statistics.median(int(r["pushes"]) for r in rows)  # type: ignore[call-overload]
    print(
        f"tidings publish --push, {args.posts} posts due (outbox/feed), median of "
        f"{args.rounds}: {wall:.1f} s, {commits:g} commits, {pushes:g} pushes "
        f"(goal < 30 s)"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 1 if any(r["problems"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
