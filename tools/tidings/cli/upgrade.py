"""`tidings upgrade`"""

from __future__ import annotations

import click

from tidings.cli.context import Context
from tidings.cli.engine_options import engine_options


@click.command("upgrade")
@engine_options
@click.option("--dry-run", is_flag=True, help="Show the diff; write nothing.")
@click.pass_obj
def command(
    obj: Context,
    engine_wheel: str | None,
    engine_repo: str | None,
    engine_rev: str | None,
    dry_run: bool,
) -> None:
    """Move this brand repository to the engine running this command.

    Rewrites the files the engine owns (requirements.lock, which pins the engine's wheel by
    its hash; .github/workflows/ and .github/zizmor.yml; .pre-commit-config.yaml, whose rev:
    is the engine's commit; schemas/ and .vscode/settings.json), shows each change as a
    unified diff, and leaves every other file alone. The workflows get every credential
    variable brand/channels.yaml names. When the new engine reads a newer file format, it
    names the `tidings migrate` steps to run next. Install the new engine first.

    \b
    Examples:
      pip install https://…/tidings-0.2.0-py3-none-any.whl && tidings upgrade
      tidings upgrade --dry-run
      tidings upgrade --engine-wheel https://…/tidings-0.2.0-py3-none-any.whl#sha256=…
    """
    from tidings import __version__
    from tidings.scaffold.engine import engine_source
    from tidings.scaffold.upgrade import upgrade

    root = obj.root_of_any_format
    engine = engine_source(engine_wheel, engine_repo, engine_rev)
    plan = upgrade(root, engine, dry_run=dry_run)
    for change in plan.changes:
        click.echo(change.diff(), nl=False)
    verb = "would change" if dry_run else "changed"
    if plan.changes:
        click.echo(
            f"tidings {__version__}: {verb} {len(plan.changes)} engine-owned file(s): "
            + ", ".join(c.path for c in plan.changes),
            err=True,
        )
    else:
        click.echo(f"tidings {__version__}: the engine-owned files are up to date", err=True)
    for step in plan.migrations:
        click.echo(f"migration needed: {step.title}", err=True)
    if plan.migrations:
        click.echo("run `tidings migrate` next (it shows each change)", err=True)
    if engine.local:
        click.echo(
            f"note: requirements.lock pins {engine.wheel_url}, a file on this machine that "
            "CI cannot fetch: pass --engine-wheel URL#sha256=… with where the wheel is published",
            err=True,
        )
