"""`tidings check`"""

from __future__ import annotations

import sys

import click

from tidings.check.reporters import REPORTERS
from tidings.check.runner import check_workspace
from tidings.cli.context import Context
from tidings.cli.options import clock_matters, jobs_option, now_from, now_option
from tidings.jobs.git import post_renames


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(REPORTERS)),
    default="text",
    show_default=True,
    help="text for people, json for tools, github for workflow annotations.",
)
@now_option
@click.option(
    "--cache/--no-cache",
    default=True,
    show_default=True,
    help="Take files unchanged since the last check, and what the rules found on unchanged "
    "posts, from build/cache/ instead of parsing and checking them again (the same result, "
    "faster; the folder is safe to delete).",
)
@jobs_option(
    "parsing posts and running the rules about one post, when 400 or more are not in the cache"
)
@click.pass_obj
def command(
    obj: Context,
    paths: tuple[str, ...],
    fmt: str,
    now_text: str | None,
    cache: bool,
    jobs: int | None,
) -> None:
    """Check posts, calendars, brand files and the ledger.

    With PATHS (what pre-commit passes), report what involves those files: the whole
    workspace is read, so a clash with another post (cadence, minimum gap) is reported
    on the named one. Exit status: 0 no errors, 1 errors found, 2 usage or internal failure.
    --now sets the time that posting slots are looked ahead from (default: now). With
    --now, and in CI (CI or GITHUB_ACTIONS set) with the clock, posts whose time is past or
    whose lateness window closes before the next publish run are warned about (date.late).

    \b
    Examples:
      tidings check
      tidings check content/posts/2026/12/christmas-mini-sessions.md
      tidings check --format json | jq '.[] | select(.severity == "error")'
      tidings check --format github      # annotations in a GitHub Actions run
      tidings check --now "2026-12-01 08:00"
    """
    root = obj.root
    now = now_from(obj, now_text)
    late = clock_matters(now_text)
    if jobs is None:
        from tidings.processes import default_jobs

        jobs = default_jobs()
    result = check_workspace(root, paths, now, post_renames(root), late, cache=cache, jobs=jobs)
    count, noun = (len(paths), "file") if paths else (len(result.workspace.post_files), "post")
    checked = f"{count} {noun}{'s' * (count != 1)}"
    output = REPORTERS[fmt](result.diagnostics, checked=checked)
    if output:
        click.echo(output)
    sys.exit(0 if result.ok else 1)
