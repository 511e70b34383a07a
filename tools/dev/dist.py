"""Build the engine's wheel and sdist (``make dist``), stamped with the commit they come from.

    python tools/dev/dist.py [OUT]        (default OUT: dist/)

The stamp (``tools/tidings/_release.json``: the commit and whether the tree had changes) is
what `tidings init` and `tidings upgrade` write as the pre-commit hook's ``rev:``; it exists
only while the build runs. The build is setuptools' own PEP 517 backend, run in this
environment (the locked setuptools; no download), the way `pip wheel --no-build-isolation`
runs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STAMP = ROOT / "tools" / "tidings" / "_release.json"


def main(out: Path) -> None:
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    dirty = bool(
        subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    out.mkdir(parents=True, exist_ok=True)
    STAMP.write_text(json.dumps({"commit": commit, "dirty": dirty}) + "\n", encoding="utf-8")
    try:
        os.chdir(ROOT)
        from setuptools import build_meta

        sdist = build_meta.build_sdist(str(out))
        wheel = build_meta.build_wheel(str(out))
    finally:
        STAMP.unlink(missing_ok=True)
    print(out / sdist)
    print(out / wheel)
    if dirty:
        print(f"note: built from {commit[:12]} with uncommitted changes", file=sys.stderr)


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT / "dist")
