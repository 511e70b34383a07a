"""The example brand is exemplary (issue 16, item 16): the full check over the repository's
own example (Lumen & Grain Studio) finds no error and no warning, every post that goes to
several networks speaks each network's voice (no ``brand.same-text``), and the few notes
left are the ones the example keeps on purpose, to teach."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from tidings.cli.main import cli

REPO = Path(__file__).resolve().parents[2]

# The notes the example keeps on purpose, and how many of each at most:
ALLOWED_NOTES = {
    "post.draft": 2,  # a draft waiting for a permit, one for August: merged, never sent
    "post.expires-kept": 2,  # an offer and the holiday hours expire; Instagram cannot delete
    "calendar.slot-gap": 2,  # depends on the day: an empty posting slot in the next 14 days
}
MAX_NOTES = 5
BEFORE_THE_FIRST_POST = "2026-11-30 09:00"  # a Monday: the late-post and weekly rules run too


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("example")
    for name in ("brand", "content", "metrics"):
        shutil.copytree(REPO / name, root / name)
    shutil.copyfile(REPO / "tidings.yaml", root / "tidings.yaml")
    return root


def _check(root: Path, *args: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(cli, ["--root", str(root), "check", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    found: list[dict[str, object]] = json.loads(result.output)
    return found


def _by_severity(found: list[dict[str, object]], severity: str) -> list[str]:
    return [
        f"{d['path']}:{d['line']} {d['code']} {d['message']}"
        for d in found
        if d["severity"] == severity
    ]


@pytest.mark.parametrize("now", [BEFORE_THE_FIRST_POST, None], ids=["pinned", "today"])
def test_the_example_passes_its_own_guidelines(example: Path, now: str | None) -> None:
    found = _check(example, *(["--now", now] if now else []))
    assert _by_severity(found, "error") == []
    assert _by_severity(found, "warning") == []
    assert [d["path"] for d in found if d["code"] == "brand.same-text"] == []
    notes = Counter(str(d["code"]) for d in found if d["severity"] == "info")
    assert set(notes) <= set(ALLOWED_NOTES), notes
    if now is not None:  # without --now, the empty-slot notes depend on today's date
        assert all(notes[code] <= most for code, most in ALLOWED_NOTES.items()), notes
        assert sum(notes.values()) <= MAX_NOTES, notes


def test_the_example_brand_asks_for_each_networks_voice() -> None:
    """The brand does not turn ``brand.same-text`` down to a note: one text pasted to three
    networks is a warning in the example, as it is by default."""
    brand = (REPO / "brand" / "brand.yaml").read_text(encoding="utf-8")
    assert "brand.same-text" not in brand
