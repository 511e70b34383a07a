"""`tidings init`"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import click

from tidings.cli.engine_options import engine_options
from tidings.core.platforms import PLATFORMS

PROMPTED = ("name", "timezone", "channels")


@click.command("init")
@click.argument(
    "directory", required=False, type=click.Path(file_okay=False, path_type=Path), default="."
)
@click.option("--name", help="The brand's name, as the site and the posts show it.")
@click.option("--timezone", metavar="ZONE", help="IANA timezone of every time, e.g. Europe/Berlin.")
@click.option("--language", default="en", show_default=True, help="Language code of the posts.")
@click.option(
    "--channels",
    metavar="A,B",
    help=f"Comma-separated platforms, one channel each: {', '.join(PLATFORMS)}.",
)
@click.option(
    "--site-url",
    metavar="URL",
    help="Where GitHub Pages will serve the preview site "
    "(default: https://example.github.io/<folder>/, to change in tidings.yaml).",
)
@engine_options
@click.option("--yes", is_flag=True, help="Ask nothing: every answer comes from the options.")
def command(
    directory: Path,
    name: str | None,
    timezone: str | None,
    language: str,
    channels: str | None,
    site_url: str | None,
    engine_wheel: str | None,
    engine_repo: str | None,
    engine_rev: str | None,
    yes: bool,
) -> None:
    """Write a new brand repository into DIRECTORY (new or empty; default: here).

    It holds everything a brand needs and nothing of the engine: content/ (one example post
    per channel, a calendar, the idea bank), brand/ (guidelines, channels with the names of
    their credentials), tidings.yaml, mkdocs.yml, the GitHub workflows, CODEOWNERS, a README,
    the schemas and editor settings, and requirements.lock pinning this engine's wheel by its
    hash. `tidings check` passes on it at once; it is committed with git.

    \b
    Examples:
      tidings init my-brand      (asks for the name, timezone and channels)
      tidings init my-brand --name "Test Bakery" --timezone America/Chicago \\
          --channels mastodon,bluesky,instagram --yes
    """
    from tidings.errors import UsageError
    from tidings.scaffold.engine import engine_source
    from tidings.scaffold.files import Answers
    from tidings.scaffold.init import init_repository, parse_channels, refuse_non_empty

    dest = directory.resolve()
    refuse_non_empty(dest)  # before any question: nothing to ask when nothing can be written
    given = {"name": name, "timezone": timezone, "channels": channels}
    if yes:
        missing = [f"--{k}" for k in PROMPTED if not given[k]]
        if missing:
            raise UsageError(f"--yes needs {', '.join(missing)}", "pass them, or leave out --yes")
    name = name or click.prompt("Brand name")
    timezone = timezone or click.prompt("Timezone (IANA, e.g. Europe/Berlin)")
    channels = channels or click.prompt(
        f"Channels (comma-separated: {', '.join(PLATFORMS)})", default="mastodon,bluesky"
    )
    chosen = parse_channels(channels)
    slug = re.sub(r"[^a-z0-9]+", "-", dest.name.lower()).strip("-") or "social"
    default_url = f"https://example.github.io/{slug}/"
    if site_url is None and not yes:
        site_url = click.prompt("Preview site address (GitHub Pages)", default=default_url)
    answers = Answers(name, timezone, language, chosen, site_url or default_url)
    engine = engine_source(engine_wheel, engine_repo, engine_rev)
    result = init_repository(dest, answers, engine, date.today())
    click.echo(
        f"wrote {len(result.files)} files into {dest} and committed them ({result.commit[:12]})"
    )
    if engine.local:
        click.echo(
            f"note: requirements.lock pins the engine at {engine.wheel_url}, a file on this "
            "machine that CI cannot fetch: publish the wheel and run `tidings upgrade "
            "--engine-wheel URL#sha256=…`",
            err=True,
        )
    click.echo("next: cd into it, then `tidings check` and `tidings site serve`")
