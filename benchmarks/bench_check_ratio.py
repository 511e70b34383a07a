"""`tidings check` against the floor, interleaved, as issue 20 measures it.

    python benchmarks/bench_check_ratio.py [--posts 10000] [--rounds 5] [--seed 0]
        [--baseline /other/venv/bin/tidings] [--jsonschema]

On a shared, loaded machine one timing says little; ratios against a floor measured in the
same round do. Each round runs, one after the other, on the same synthetic workspace
(``synth.py``, cached in ``build/bench/`` as ``bench_check.py`` does):

* floor: reading every post, ledger, calendar and brand file and parsing its YAML with
  libyaml's CLoader (``yaml.load``), nothing else: the least any check must do;
* full, fresh: ``tidings check --format json`` with all of ``build/cache/`` deleted first (a
  fresh clone, a CI run without a restored cache): it writes every cache again;
* full, cold: the same with only what a new engine invalidates deleted first (the files'
  and the rules' caches, ``files.json`` and ``rules.json``; X lengths and the hyphenation
  table are stamped with their libraries and kept, as after an upgrade of tidings);
* full, warm: the same again, the cache kept (a second check, a pre-commit run);
* full, restored: every file given another modification time first, as a fresh clone with
  a cache restored by CI has: each file is read and taken back by its text's digest (then
  checked against its schema again);
* full, no cache: ``--no-cache`` (parsing every file and running every rule, writing neither
  cache; the X lengths and the hyphenation table are still read), with its worker processes
  (one per available CPU, as a check runs by default), and in one process (``--jobs 1``);
* one file, warm: ``tidings check <post>`` as pre-commit runs it, from the workspace root;
* with ``--baseline``: another engine's ``tidings check --format json`` (e.g. main's venv);
* with ``--jsonschema``: check-jsonschema on every post's front matter (slow).

Every command is a child process; its CPU time (user + system) and peak resident memory
come from ``os.wait4``, so they are that process's own and its workers' (the largest of
them for memory). Printed: the median of each, its CPU time's ratio to the floor's median
CPU time, and its wall time's ratio to the floor's median wall time (the floor runs in one
process: a check with workers uses more CPU time than it takes); any report that differs
from the first full run's is a failure (the cache and the workers must change nothing but
speed).
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

from bench_check import batches, git_state, tool, workspace  # noqa: E402

FLOOR = """\
import os, sys, yaml
root = sys.argv[1]
for top in ("content", "ledger", "brand"):
    for folder, dirs, files in os.walk(os.path.join(root, top)):
        for name in files:
            path = os.path.join(folder, name)
            if name.endswith(".md"):
                text = open(path, encoding="utf-8").read()
                if text.startswith("---"):
                    yaml.load(text[3:].split("\\n---", 1)[0], Loader=yaml.CSafeLoader)
            elif name.endswith((".yaml", ".yml")):
                yaml.load(open(path, encoding="utf-8").read(), Loader=yaml.CSafeLoader)
yaml.load(open(os.path.join(root, "tidings.yaml"), encoding="utf-8").read(), Loader=yaml.CSafeLoader)
"""


def redate(ws: Path) -> None:
    """Another modification time for every source file (an hour back, a second apart per
    round), as a fresh clone gives."""
    when = time.time() - 3600 + (time.time() % 60)
    for top in ("content", "ledger", "brand", "tidings.yaml"):
        base = ws / top
        for path in [base] if base.is_file() else base.rglob("*"):
            if path.is_file():
                os.utime(path, (when, when))


def run(cmd: list[str], cwd: Path) -> tuple[float, float, float, str, int]:
    """(CPU seconds, wall seconds, peak MB, stdout, exit status) of one child process."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=null)
        assert proc.stdout is not None
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    return cpu, wall, usage.ru_maxrss / 1024, out.decode("utf-8", "replace"), proc.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--baseline", help="another `tidings` executable to compare with")
    parser.add_argument("--jsonschema", action="store_true", help="also time check-jsonschema")
    parser.add_argument("--cache", type=Path, default=REPO / "build" / "bench")
    parser.add_argument(
        "--workspace", type=Path, help="an existing workspace instead of a generated one"
    )
    args = parser.parse_args(argv)

    tidings = tool("tidings")
    if tidings is None:
        print("error: the `tidings` command is not installed (make install)", file=sys.stderr)
        return 2
    if args.workspace:
        ws, fm = args.workspace.resolve(), args.workspace.resolve() / "no-front-matter-copies"
        posts = sorted(
            p.relative_to(ws).as_posix() for p in (ws / "content" / "posts").rglob("*.md")
        )
        args.posts = len(posts)
    else:
        ws, fm, posts = workspace(args.cache, args.posts, args.seed)
    one = posts[len(posts) // 2]
    cache_dir = ws / "build" / "cache"
    full = [tidings, "--root", str(ws), "check", "--format", "json"]
    commands: dict[str, list[list[str]]] = {
        "floor": [[sys.executable, "-c", FLOOR, str(ws)]],
        "full, fresh": [full],
        "full, cold": [full],
        "full, warm": [full],
        "full, restored": [full],
        "full, no cache": [[*full, "--no-cache"]],
        "full, no cache, 1 process": [[*full, "--no-cache", "--jobs", "1"]],
        "one file, warm": [[tidings, "check", one]],
    }
    other = ws
    if args.baseline:
        # its own copy: the two engines would otherwise replace each other's build/cache/
        # (X lengths are stamped with the installed twitter-text), each paying for it
        other = Path(tempfile.mkdtemp(prefix="tidings-bench-baseline-")) / "ws"
        shutil.copytree(ws, other, ignore=shutil.ignore_patterns("build"))
        commands["baseline full"] = [
            [args.baseline, "--root", str(other), "check", "--format", "json"]
        ]
    cjs = tool("check-jsonschema")
    if args.jsonschema and cjs and fm.is_dir():
        files = sorted(p.relative_to(fm).as_posix() for p in fm.rglob("*.yaml"))
        commands["check-jsonschema"] = batches(
            [cjs, "--schemafile", str(REPO / "schemas" / "post.schema.json")], files
        )

    print(f"{args.posts:,} posts, {args.rounds} interleaved rounds; commit {git_state()}")
    print(f"load average before: {os.getloadavg()[0]:.1f}\n", flush=True)
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
    reference: str | None = None
    failures: list[str] = []
    for round_no in range(args.rounds):
        for name, cmds in commands.items():
            if name == "full, fresh":
                shutil.rmtree(cache_dir, ignore_errors=True)
            if name == "full, cold":
                for kept in ("files.json", "rules.json"):
                    (cache_dir / kept).unlink(missing_ok=True)
            if name == "full, restored":
                redate(ws)
            cwd = fm if name == "check-jsonschema" else ws
            cpu = wall = peak = 0.0
            for cmd in cmds:
                c, w, p, out, rc = run(cmd, cwd)
                cpu, wall, peak = cpu + c, wall + w, max(peak, p)
                if name.startswith(("full", "baseline")):
                    if reference is None:
                        reference = out
                    elif out != reference:
                        failures.append(f"round {round_no + 1}: {name} reported differently")
                if rc not in (0, 1) or (name == "check-jsonschema" and rc):
                    failures.append(f"round {round_no + 1}: {name} exited {rc}")
            results[name].append((cpu, wall, peak))
        print(f"round {round_no + 1} done (load {os.getloadavg()[0]:.1f})", flush=True)

    floor = statistics.median(r[0] for r in results["floor"])
    floor_wall = statistics.median(r[1] for r in results["floor"])
    print(f"\nCPUs available: {len(os.sched_getaffinity(0))}")
    print("| work | CPU s (median) | × floor | wall s (median) | × floor | peak MB (max) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, rows in results.items():
        cpu = statistics.median(r[0] for r in rows)
        wall = statistics.median(r[1] for r in rows)
        peak = max(r[2] for r in rows)
        print(
            f"| {name} | {cpu:.2f} | {cpu / floor:.2f} | {wall:.2f} | {wall / floor_wall:.2f} "
            f"| {peak:.0f} |"
        )
    for failure in failures:
        print(f"FAILURE: {failure}", file=sys.stderr)
    if args.baseline:
        shutil.rmtree(other.parent, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
