"""`tidings plan` shows which evergreen post fills which slot (issue 19, item 2)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tidings.cli.main import cli

EXAMPLE = Path(__file__).parents[2]


def test_plan_shows_the_evergreen_tip_in_the_next_free_slot() -> None:
    result = CliRunner().invoke(
        cli,
        ["--root", str(EXAMPLE), "plan", "--now", "2026-12-30 12:00", "--days", "14"],
    )
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if "Sun 03 Jan 11:00" in line]
    assert rows and all("evergreen: Weekend note" in row for row in rows), result.output
    lines = result.output.splitlines()
    first = lines.index(rows[0])
    post = ""  # the post column folds a long id over the row's lines: read them all
    for line in lines[first:]:
        cells = line.split("│")
        if len(cells) < 6 or (line != rows[0] and cells[1].strip()):
            break
        post += cells[4].strip()
    assert post.startswith("evergreen/portrait-pre"), post
    assert "(evergreen)" in result.output
