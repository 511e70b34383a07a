"""`tidings rules`"""

from __future__ import annotations

import click

from tidings.check.codes import CODES
from tidings.check.docs import checks_page


@click.command("rules")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown"]),
    default="text",
    show_default=True,
    help="text: one line per code; markdown: the docs page site/checks.md with how to fix each.",
)
def command(fmt: str) -> None:
    """List every check code with its default severity and meaning.

    Override a severity in brand/brand.yaml under `rules:` (error, warning, info or off).

    \b
    Examples:
      tidings rules
      tidings rules --format markdown > site/checks.md   # regenerate the docs page
    """
    if fmt == "markdown":
        click.echo(checks_page(), nl=False)
        return
    width = max(len(code) for code in CODES)
    for code, info in CODES.items():
        click.echo(f"{code:<{width}}  {info.severity.value:<7}  {info.meaning}")
