"""Data-driven acceptance cases: tests/fixtures/{valid,invalid}/<case>/ overlaid on base/.

Each case's expect.yaml lists the diagnostics that must appear (code, path, and where given
line, severity, and text the message or suggestion must contain). Any *error* not listed
fails the case, so a case cannot pass by accident.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tidings.cli.main import cli

FIXTURES = Path(__file__).parents[1] / "fixtures"
INVALID = sorted(p.name for p in (FIXTURES / "invalid").iterdir())
VALID = sorted(p.name for p in (FIXTURES / "valid").iterdir())


def run_check(root: Path) -> tuple[int, list[dict[str, object]], str]:
    result = CliRunner().invoke(cli, ["--root", str(root), "check", "--format", "json"])
    return result.exit_code, json.loads(result.output), result.output


def _matches(diag: dict[str, object], want: dict[str, object]) -> bool:
    for key in ("code", "path", "line", "severity"):
        if key in want and diag.get(key) != want[key]:
            return False
    for key in ("message", "suggestion"):
        if key in want and str(want[key]) not in str(diag.get(key, "")):
            return False
    return True


def _expectations(case_dir: Path) -> list[dict[str, object]]:
    path = case_dir / "expect.yaml"
    return yaml.safe_load(path.read_text()) or [] if path.exists() else []


@pytest.mark.parametrize("case", INVALID)
def test_invalid_case(case: str, make_workspace: Callable[..., Path]) -> None:
    case_dir = FIXTURES / "invalid" / case
    root = make_workspace(case_dir)
    code, diags, raw = run_check(root)
    expected = _expectations(case_dir)
    assert expected, f"{case} has no expectations"
    for want in expected:
        assert any(_matches(d, want) for d in diags), f"{case}: missing {want}\n got {diags}"
        secret = want.get("not_in_output")
        if secret:
            assert str(secret) not in raw
    unexpected = [
        d for d in diags if d["severity"] == "error" and not any(_matches(d, w) for w in expected)
    ]
    assert not unexpected, f"{case}: unexpected errors {unexpected}"
    wants_error = any(
        any(_matches(d, w) for w in expected) and d["severity"] == "error" for d in diags
    )
    assert code == (1 if wants_error else 0)


@pytest.mark.parametrize("case", VALID)
def test_valid_case(case: str, make_workspace: Callable[..., Path]) -> None:
    case_dir = FIXTURES / "valid" / case
    root = make_workspace(case_dir)
    code, diags, _ = run_check(root)
    expected = _expectations(case_dir)
    assert [d for d in diags if d["severity"] != "info" or not expected] == [] or expected
    assert code == 0, diags
    for want in expected:
        assert any(_matches(d, want) for d in diags), f"{case}: missing {want}"
    assert all(d["severity"] == "info" for d in diags), diags


def test_base_is_clean(make_workspace: Callable[..., Path]) -> None:
    code, diags, _ = run_check(make_workspace())
    assert (code, diags) == (0, [])
