"""`tidings rules`"""

from __future__ import annotations

import click

from ..codes import CODES


@click.command("rules")
def command() -> None:
    """List every check code with its default severity and meaning.

    Override a severity in brand/brand.yaml under `rules:` (error, warning, info or off).

    \b
    Example:
      tidings rules
    """
    width = max(len(code) for code in CODES)
    for code, (severity, meaning) in CODES.items():
        click.echo(f"{code:<{width}}  {severity.value:<7}  {meaning}")
