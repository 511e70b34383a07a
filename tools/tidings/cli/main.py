"""The `tidings` command and its one error boundary."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

import click

from tidings import __version__
from tidings.cli.context import Context
from tidings.errors import TidingsError
from tidings.redaction import redact

COMMANDS = (
    "audit",
    "check",
    "github",
    "inbox",
    "init",
    "metrics",
    "migrate",
    "new",
    "plan",
    "publish",
    "report",
    "resolve",
    "retract",
    "rules",
    "site",
    "review",
    "upgrade",
)
"""The modules of ``tidings.cli`` that each define one command (``command``). A module is
imported only when its command runs (or when ``--help`` lists them all), so ``tidings
check`` never loads httpx, MkDocs or Jinja2: the lazy loading click documents for large
command-line tools."""


class Boundary(click.Group):
    """Expected errors print their message (exit 1 or 2); anything else exits 2 with a log:
    a private temporary file (``tidings-error-*.log``) whose path it prints, the traceback in
    it redacted like every message.

    The subcommands load lazily from :data:`COMMANDS`."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        module = importlib.import_module(f"tidings.cli.{cmd_name}")
        command: click.Command = module.command
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TidingsError as exc:
            click.secho(f"error: {redact(exc.message)}", fg="red", err=True)
            if exc.hint:
                click.echo(f"  → {redact(exc.hint)}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:  # the reader left (`tidings rules | head`): not a bug
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # so the exit's flush cannot fail again
            sys.exit(141)  # 128 + SIGPIPE, as a shell reports it
        except Exception:
            import traceback  # here: only a crash needs it (as tempfile, below)

            log = _crash_log(redact(traceback.format_exc()))
            click.secho(
                "internal error: tidings hit a bug and stopped. Whatever it published is in "
                "the ledger; nothing more was sent.",
                fg="red",
                err=True,
            )
            click.echo(f"  details: {log} (please attach it to a bug report)", err=True)
            sys.exit(2)


def _crash_log(text: str) -> Path:
    """A new private file (mode 0600, a fresh name, never following a planted symlink)
    holding ``text``: the redacted traceback a bug report needs."""
    import tempfile

    handle, name = tempfile.mkstemp(prefix="tidings-error-", suffix=".log", text=True)
    with os.fdopen(handle, "w", encoding="utf-8") as log:
        log.write(text)
    return Path(name)


@click.group(cls=Boundary, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    help="Workspace root (default: the nearest folder above holding tidings.yaml).",
)
@click.version_option(__version__, prog_name="tidings")
@click.pass_context
def cli(ctx: click.Context, root: Path | None) -> None:
    """tidings: social media management as code.

    Posts, brand guidelines and content calendars live as Markdown and YAML in a git
    repository; tidings checks them, shows what is scheduled, and publishes them.

    \b
    Examples:
      tidings check                      check the whole repository
      tidings new post "Holiday hours" --at "2026-12-20 09:00"
      tidings plan --days 14             what goes out in the next two weeks
      tidings --root ../brand check      check another repository
    """
    ctx.obj = Context(root)


def main() -> None:
    cli(prog_name="tidings")
