"""`tidings resolve`"""

from __future__ import annotations

from datetime import UTC

import click

from tidings.cli.context import Context
from tidings.cli.options import now_option, resolve_now
from tidings.core.replies import load as load_workspace
from tidings.jobs.resolve import commit, resolve
from tidings.jobs.run import Options, Run


@click.command("resolve")
@click.argument("post")
@click.argument("channel")
@click.option("--published", metavar="URL", help="It did go out: record it with this URL.")
@click.option("--retry", is_flag=True, help="It did not go out: send it on the next run.")
@click.option("--skip", is_flag=True, help="Do not send it: record it as skipped.")
@click.option("--push", is_flag=True, help="Push the ledger commit.")
@now_option
@click.pass_obj
def command(
    obj: Context,
    post: str,
    channel: str,
    published: str | None,
    retry: bool,
    skip: bool,
    push: bool,
    now_text: str | None,
) -> None:
    """Settle a post the publisher could not: unknown, pending or failed for good.

    Look at the account first. Then record what is true: it went out (--published URL),
    send it again (--retry), or leave it unsent (--skip). The ledger change is committed.

    \b
    Examples:
      tidings resolve 2026/12/holiday-hours mastodon --published https://photog.social/@lg/1134
      tidings resolve 2026/12/holiday-hours bluesky --retry
      tidings resolve content/posts/2026/12/holiday-hours.md x --skip
    """
    ws, _ = load_workspace(obj.root)
    tz = ws.brand.timezone if ws.brand else None
    now = resolve_now(now_text, tz or UTC)
    run = Run(ws.root, Options(now=now, push=push))
    who = run.env.get("GITHUB_ACTOR") or run.env.get("USER") or "a person"
    message = resolve(
        ws, post, channel, run.now, published=published, retry=retry, skip=skip, who=who
    )
    pid = post.removeprefix("content/posts/").removesuffix(".md")
    click.echo(f"{message} ({commit(run, pid, channel)})")
