"""Text from outside (posts, platforms' answers) is printed by the CLI, never read as markup."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from builders.posts import HELLO, post
from click.testing import CliRunner

from tidings.cli.main import cli

MARKUP = "Tea at [bold]ten[/bold], then [/] and [link=x]more"


def test_markup_in_a_post_is_printed_by_plan(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace({HELLO: post("outbox", parts=(MARKUP,), media=())})
    result = CliRunner().invoke(
        cli, ["--root", str(root), "plan", "--now", "2026-12-09 09:00", "--days", "3"]
    )
    assert result.exit_code == 0, result.output
    assert "Tea at [bold]ten[/bold], then [/]" in result.output
