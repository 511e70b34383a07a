"""`tidings site deploy`: the site (or a pull request's preview) onto the Pages branch."""

from __future__ import annotations

from pathlib import Path

import click

from tidings.cli.context import Context
from tidings.jobs.deploy import deploy


@click.command("deploy")
@click.option(
    "--dir",
    "site",
    type=click.Path(file_okay=False, path_type=Path),
    help="The built site to deploy (default: build/site; not with --remove).",
)
@click.option(
    "--branch", default="gh-pages", show_default=True, help="The branch GitHub Pages serves."
)
@click.option(
    "--prefix",
    metavar="pr-N",
    help="Deploy into this preview folder only, keeping the rest of the branch.",
)
@click.option("--remove", is_flag=True, help="Remove the --prefix folder from the branch.")
@click.option("--remote", default="origin", show_default=True, help="The remote to push to.")
@click.pass_obj
def command(
    obj: Context, site: Path | None, branch: str, prefix: str | None, remove: bool, remote: str
) -> None:
    """Commit a built site to the GitHub Pages branch and push it.

    Without --prefix the site replaces the branch's root and every pr-N/ preview folder is
    kept; with --prefix pr-N it goes into that folder only; --remove deletes the folder.
    The commit is made from the remote's branch as it is now, never from your checkout,
    whose files and HEAD stay untouched; a push that loses a race is rebuilt on the new tip
    and tried again. Symbolic links and other special files are refused. Pages must be set
    to "Deploy from a branch": gh-pages, / (root) (see the setup guide).

    \b
    Examples:
      tidings site deploy --dir build/site --branch gh-pages
      tidings site deploy --dir build/preview/site --prefix pr-42
      tidings site deploy --prefix pr-42 --remove
    """
    root = obj.root
    if site is None and not remove:
        site = root / "build" / "site"
    result = deploy(root, site, branch=branch, prefix=prefix, remove=remove, remote=remote)
    if result.commit is None:
        click.echo(f"{result.branch} {result.where}: nothing to change")
    elif remove:
        click.echo(f"{result.branch}: removed {result.where} ({result.commit[:12]})")
    else:
        click.echo(
            f"{result.branch} {result.where}: deployed {result.files} files ({result.commit[:12]})"
        )
