"""`tidings review`"""

from __future__ import annotations

import click

from tidings.cli.context import Context
from tidings.cli.options import clock_matters, now_from, now_option
from tidings.jobs.review import review


@click.command("review")
@click.option(
    "--base", required=True, metavar="REF", help="The branch the pull request merges into."
)
@click.option(
    "--head", default="HEAD", show_default=True, metavar="REF", help="The pull request's commit."
)
@click.option(
    "--site-url",
    metavar="URL",
    help="Where this pull request's preview site is served (default: site.url in tidings.yaml).",
)
@now_option
@click.pass_obj
def command(obj: Context, base: str, head: str, site_url: str | None, now_text: str | None) -> None:
    """Print the pull-request comment: what the changed posts will do, as Markdown.

    Each added, changed, renamed or removed post: when and where it goes out (brand
    timezone), the text each channel receives, its check results and a link to its preview
    page. A changed or removed post that is already published is called out. The comment
    starts with <!-- tidings-review --> so a workflow can update it in place. With --now,
    and in CI (CI or GITHUB_ACTIONS set) with the clock, a post whose time is past or whose
    lateness window closes before the next publish run is warned about (date.late).

    \b
    Examples:
      tidings review --base origin/main
      tidings review --base origin/main --head HEAD --site-url https://me.github.io/brand/pr-42/
      tidings review --base main > comment.md
    """
    now = now_from(obj, now_text) if clock_matters(now_text) else None
    click.echo(review(obj.root, base, head, site_url, now), nl=False)
