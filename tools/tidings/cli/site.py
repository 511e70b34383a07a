"""`tidings site build` and `tidings site serve`"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import click

from tidings.cli.context import Context
from tidings.cli.options import jobs_option, now_from, now_option


@click.group("site")
def command() -> None:
    """Build or serve the preview site (MkDocs + mkdocs-material + the tidings plugin).

    \b
    Examples:
      tidings site build
      tidings site serve
    """


def _now(obj: Context, now_text: str | None) -> datetime | None:
    """``--now`` read in the brand's timezone, or None (the plugin then uses the clock)."""
    return now_from(obj, now_text) if now_text else None


@command.command("build")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the site (default: build/site in the workspace). Its old content "
    "is deleted, so it must be new, empty or a previous build.",
)
@now_option
@click.option(
    "--site-url",
    metavar="URL",
    help="The address the site is served from, for links in calendar.ics "
    "(default: site.url in tidings.yaml).",
)
@click.option(
    "--offline",
    is_flag=True,
    help="Fetch no linked pages for Bluesky link cards: the preview shows the cards cached "
    "in build/cache/link-cards, or text cards.",
)
@jobs_option("reading posts and building pages")
@click.pass_obj
def build(
    obj: Context,
    out: Path | None,
    now_text: str | None,
    site_url: str | None,
    offline: bool,
    jobs: int | None,
) -> None:
    """Build the preview site: calendar, a page per post, campaigns, brand, ideas, ledger.

    Uses mkdocs.yml at the workspace root when there is one (plain `mkdocs build` gives the
    same site), else a default configuration. --now sets the moment the home page counts
    the next 7 days from.

    Bluesky link cards show the linked page's title, description and image: the pages the
    publisher would read (the brand's own domains, or posts with `link_card: true`) are
    fetched first and cached for a day in build/cache/link-cards (not with --offline).
    A page that cannot be fetched shows as a text card; the build goes on.

    \b
    Examples:
      tidings site build
      tidings site build --out public --now "2026-12-20 09:00"
      tidings site build --site-url https://example.github.io/brand/pr-42/
      tidings site build --offline
      tidings site build --jobs 1
    """
    from tidings.check.runner import check_workspace
    from tidings.site.build import DEFAULT_OUT, build_site, check_out

    root = obj.root
    check_out(root, out or root / DEFAULT_OUT)  # refused before anything is read or written
    from tidings.processes import default_jobs

    # once, for the link cards and the site; many posts not in the cache: in worker processes
    checked = [check_workspace(root, cache=True, jobs=jobs or default_jobs())]
    if not offline:
        from tidings.jobs.linkcards import CardFill, fill_link_cards

        try:
            filled = fill_link_cards(root, datetime.now(UTC), os.environ, checked[0].workspace)
        except OSError as exc:  # the cache cannot be written: the preview shows text cards
            filled = CardFill(failed={"build/cache/link-cards": f"not written ({exc.strerror})"})
        if filled.fetched or filled.failed:
            line = f"link cards: {len(filled.fetched)} fetched, {len(filled.cached)} cached"
            if filled.failed:
                shown = sorted(filled.failed.items())[:3]
                more = "; …" if len(filled.failed) > 3 else ""
                line += (
                    f", {len(filled.failed)} shown as text cards ("
                    + "; ".join(f"{url}: {why}" for url, why in shown)
                    + more
                    + ")"
                )
            click.echo(line)
    # handed over, not kept: held here too, the workspace would stay in memory (and in every
    # page-rendering worker's) while MkDocs renders the pages, long after they are built
    result = build_site(
        root,
        out or root / DEFAULT_OUT,
        _now(obj, now_text),
        site_url,
        checked=checked.pop(),
        jobs=jobs,
    )
    config = (
        result.config.relative_to(root) if result.config.is_relative_to(root) else result.config
    )
    workers = f", {result.workers} processes" if result.workers > 1 else ""
    click.echo(
        f"built {result.pages} generated pages into {result.out} in {result.seconds:.1f} s"
        f" ({config}{workers})"
    )


@command.command("serve")
@click.option(
    "--addr",
    default="127.0.0.1:8000",
    show_default=True,
    metavar="HOST:PORT",
    help="Where to listen.",
)
@now_option
@click.pass_obj
def serve(obj: Context, addr: str, now_text: str | None) -> None:
    """Serve the preview site locally and rebuild it when posts, brand or ledger change.

    --now sets the moment the home page counts the next 7 days from, on every rebuild,
    as for `tidings site build`.

    \b
    Examples:
      tidings site serve
      tidings site serve --addr 127.0.0.1:8080
      tidings site serve --now "2026-12-20 09:00"
    """
    from tidings.site.build import serve_site

    serve_site(obj.root, addr, _now(obj, now_text))


from tidings.cli import deploy  # noqa: E402  (tidings site deploy lives in its own module)

command.add_command(deploy.command)
