"""A new user's first steps in an empty or half-made repository (issue 16, item 15): each
missing file is reported once, with how to create it, by every command that reads it."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from tidings.cli.main import cli

REQUIRED = ("brand/brand.yaml", "brand/channels.yaml")


def _run(cwd: Path, *args: str) -> tuple[int, str]:
    """``tidings ARGS`` started in ``cwd``, as a user types it."""
    before = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, list(args))
    finally:
        os.chdir(before)
    return result.exit_code, result.output


def _only(tmp_path: Path, *names: str) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    for name in names:
        if name.endswith("/"):
            (root / name).mkdir(parents=True)
        else:
            (root / name).write_text("version: 1\n")
    return root


@pytest.mark.parametrize(
    "names", [("tidings.yaml",), ("tidings.yaml", "content/")], ids=["marker", "marker+content"]
)
@pytest.mark.parametrize("how", ["cwd", "--root"])
def test_each_missing_brand_file_is_reported_exactly_once(
    tmp_path: Path, names: tuple[str, ...], how: str
) -> None:
    root = _only(tmp_path, *names)
    args = ("--root", str(root), "check") if how == "--root" else ("check",)
    code, out = _run(root if how == "cwd" else tmp_path, *args, "--format", "json")
    assert code == 1, out
    found = Counter((d["path"], d["code"]) for d in json.loads(out))
    assert found == {(rel, "file.missing"): 1 for rel in REQUIRED}, out
    code, text = _run(root if how == "cwd" else tmp_path, *args)
    assert code == 1
    for rel in REQUIRED:
        assert text.count(f"{rel} is missing") == 1, text
        assert text.count(f"\n{rel}\n") + text.startswith(f"{rel}\n") == 1, text  # one heading
    assert "file not found" not in text, text  # the vague twin of "is missing" is gone
    assert "2 errors" in text, text


@pytest.mark.parametrize("names", [(), ("content/",)], ids=["empty", "content-only"])
@pytest.mark.parametrize("command", [("check",), ("plan",), ("site", "build")], ids=" ".join)
def test_no_marker_is_one_clear_line(
    tmp_path: Path, names: tuple[str, ...], command: tuple[str, ...]
) -> None:
    root = _only(tmp_path, *names)
    code, out = _run(root, *command)
    assert code == 2, out
    assert out.count("no tidings.yaml found") == 1, out
    assert "Traceback" not in out
    code, out = _run(tmp_path, "--root", str(root), *command)
    assert code == 2, out
    assert out.count("no tidings.yaml there") == 1, out
