"""The command reference: every command's own ``--help``, as Markdown for site/commands.md.

cog writes it between the markers at the end of ``site/commands.md`` (``make docs``), and a
test fails when the page differs from what this module writes, so the page cannot drift
from the commands.
"""

from __future__ import annotations

from collections.abc import Iterator

import click

from tidings.cli.main import cli

WIDTH = 88
"""Help is wrapped at a fixed width, whatever the terminal, so the page is reproducible."""


def _contexts(ctx: click.Context) -> Iterator[click.Context]:
    """``ctx`` and a context for every command below it, in registration order."""
    yield ctx
    command = ctx.command
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None, name
            yield from _contexts(sub.make_context(name, [], parent=ctx, resilient_parsing=True))


def command_reference() -> str:
    """A ``###`` section per command (``tidings`` first) holding its ``--help`` text."""
    root = cli.make_context(
        "tidings", [], resilient_parsing=True, terminal_width=WIDTH, max_content_width=WIDTH
    )
    sections = []
    for ctx in _contexts(root):
        sections.append(f"### `{ctx.command_path}`\n\n```text\n{ctx.get_help()}\n```\n")
    return "\n".join(sections)
