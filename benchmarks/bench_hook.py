"""`tidings check FILE` as pre-commit runs it, against another engine, interleaved.

    python benchmarks/bench_hook.py [--posts 10000] [--rounds 7] [--seed 0]
        [--baseline /path/to/a/checkout]

Issue 20's pre-commit row: the hook (``.pre-commit-hooks.yaml``: entry ``tidings check``
with the staged files, from the repository's root) must take under 0.25 s on the example
brand and under 1 s in a repository of 10,000 posts. This runs exactly that command, warm
(the per-file cache written by a run before, as in any repository checked once), in two
workspaces, each twice: with the named post unchanged since the last run, and edited before
each run (another last line, as a commit brings: that file is parsed, schema-checked and
its rules run again):

* the example brand (this repository's ``brand/``, ``content/``, ``metrics/`` and
  ``tidings.yaml``), one post with images named;
* ``synth.py``'s workspace of ``--posts`` posts (cached in ``build/bench/`` as the other
  benchmarks do), its middle post named.

Each is copied to a temporary folder and committed to a git repository of its own (the
check reads git's history of renames, as it does under pre-commit), once for this engine and,
with ``--baseline``, once for the other: a checkout whose ``tools/`` is put first on
``PYTHONPATH`` (e.g. ``git worktree add /tmp/base 44444ac``), run by this venv's Python, so
the two differ only in tidings itself. Rounds alternate the engines. Each command is a child
process; its CPU time (user + system), wall time and peak memory come from ``os.wait4``.
Printed: medians, this engine's ratio to the baseline, and whether each goal is met (the
CPU time is what to read on a shared machine; the goal is the whole process's time, which
on an idle machine is the CPU time and a few milliseconds of start-up). Before timing, the
JSON reports of several files are compared between the engines: any difference fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from bench_check import git_state, tool, workspace  # noqa: E402

EXAMPLE_POST = "content/posts/2026/12/behind-the-scenes-winter-set.md"
GOALS = {"example brand": 0.25, "posts": 1.0}  # seconds, the whole process


def _git_repo(source: Path, names: list[str], target: Path) -> Path:
    """A git repository at ``target`` holding ``names`` from ``source``, committed."""
    target.mkdir(parents=True)
    for name in names:
        src = source / name
        if src.is_dir():
            shutil.copytree(src, target / name, ignore=shutil.ignore_patterns("build"))
        else:
            shutil.copyfile(src, target / name)
    who = ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    for git in (["init", "-q"], ["add", "-A"], [*who, "commit", "-q", "-m", "bench"]):
        subprocess.run(["git", *git], cwd=target, check=True, capture_output=True)
    return target


def _edit(post: Path, round_no: int) -> None:
    """Another last line in ``post``'s body, the same for both engines in a round: the file
    the hook is given is one just changed, as in a real commit."""
    text = post.read_text(encoding="utf-8")
    base = text.split("\nEdited in round ", 1)[0].rstrip("\n")
    post.write_text(f"{base}\nEdited in round {round_no + 1}.\n", encoding="utf-8")


def _env(baseline: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CI", "GITHUB_ACTIONS")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: compiled modules are kept
    if baseline is not None:
        env["PYTHONPATH"] = str(baseline / "tools")
    return env


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, float, str, int]:
    """(CPU seconds, wall seconds, peak MB, stdout, exit status) of one child process."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=null)
        assert proc.stdout is not None
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    return cpu, wall, usage.ru_maxrss / 1024, out.decode("utf-8", "replace"), status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--baseline", type=Path, help="a checkout of another commit (its tools/ is run)"
    )
    parser.add_argument("--cache", type=Path, default=REPO / "build" / "bench")
    args = parser.parse_args(argv)

    tidings = tool("tidings")
    if tidings is None:
        print("error: the `tidings` command is not installed (make install)", file=sys.stderr)
        return 2
    if args.baseline and not (args.baseline / "tools" / "tidings").is_dir():
        print(f"error: {args.baseline} has no tools/tidings/", file=sys.stderr)
        return 2
    big, _, posts = workspace(args.cache, args.posts, args.seed)
    engines: dict[str, Path | None] = {"this": None}
    if args.baseline:
        engines["baseline"] = args.baseline.resolve()
    tmp = Path(tempfile.mkdtemp(prefix="tidings-bench-hook-"))
    cases: dict[str, tuple[str, list[str], dict[str, Path], bool]] = {}
    try:
        example_names = ["brand", "content", "metrics", "tidings.yaml"]
        big_names = [p.name for p in big.iterdir() if p.name != "build"]
        one = posts[len(posts) // 2]
        others = [posts[0], posts[len(posts) // 3], posts[-1]]
        example_others = sorted(
            p.relative_to(REPO).as_posix() for p in (REPO / "content" / "posts").rglob("*.md")
        )[:3]
        for label, source, names, named, also in (
            ("example brand", REPO, example_names, EXAMPLE_POST, example_others),
            (f"{args.posts:,} posts", big, big_names, one, others),
        ):
            for edited in (False, True):
                case = f"{label}, post edited" if edited else label
                print(f"preparing {case} ...", file=sys.stderr, flush=True)
                copies = {e: _git_repo(source, names, tmp / e / case) for e in engines}
                cases[case] = (named, [named, *also], copies, edited)

        failures: list[str] = []
        for label, (named, compared, copies, _) in cases.items():
            for rel in compared:  # also warms each cache and writes compiled modules
                reports = {
                    e: run([tidings, "check", "--format", "json", rel], ws, _env(engines[e]))[3]
                    for e, ws in copies.items()
                }
                if len(set(reports.values())) != 1:
                    failures.append(f"{label}: `tidings check {rel}` reports differently")
            for e, ws in copies.items():
                run([tidings, "check", named], ws, _env(engines[e]))

        print(f"commit {git_state()}; baseline {args.baseline or 'none'}")
        print(f"load average before: {os.getloadavg()[0]:.1f}\n", flush=True)
        results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
        for round_no in range(args.rounds):
            for label, (named, _, copies, edited) in cases.items():
                order = list(copies) if round_no % 2 == 0 else list(reversed(copies))
                for e in order:
                    if edited:  # as committed: a new text, parsed, validated and checked
                        _edit(copies[e] / named, round_no)
                    cpu, wall, peak, _, status = run(
                        [tidings, "check", named], copies[e], _env(engines[e])
                    )
                    if os.waitstatus_to_exitcode(status) not in (0, 1):
                        failures.append(f"round {round_no + 1}: {label} {e} exited {status}")
                    results.setdefault((label, e), []).append((cpu, wall, peak))
            print(f"round {round_no + 1} done (load {os.getloadavg()[0]:.1f})", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print("\n| workspace | engine | CPU s (median) | wall s (median) | peak MB | × baseline CPU |")
    print("|---|---|---:|---:|---:|---:|")
    verdicts: list[str] = []
    for label in cases:
        base_rows = results.get((label, "baseline"))
        base_cpu = statistics.median(r[0] for r in base_rows) if base_rows else None
        for e in engines:
            rows = results[(label, e)]
            cpu = statistics.median(r[0] for r in rows)
            wall = statistics.median(r[1] for r in rows)
            peak = max(r[2] for r in rows)
            ratio = f"{cpu / base_cpu:.2f}" if base_cpu else "–"
            print(f"| {label} | {e} | {cpu:.3f} | {wall:.3f} | {peak:.0f} | {ratio} |")
            if e == "this":
                goal = GOALS["example brand" if label.startswith("example brand") else "posts"]
                met = "met" if cpu < goal else "NOT met"
                verdicts.append(
                    f"{label}: goal < {goal} s; CPU {cpu:.3f} s ({met}), wall {wall:.3f} s"
                )
    print()
    for verdict in verdicts:
        print(verdict)
    for failure in failures:
        print(f"FAILURE: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
