"""The CLI boundary's crash log: a private file of its own, the secrets in it redacted."""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path

import click
from click.testing import CliRunner

from tidings.cli.main import Boundary
from tidings.redaction import register

TOKEN = "crash-test-token-0123456789"


@click.group(cls=Boundary)
def crashing() -> None:
    """A group with the tidings boundary, whose one command hits a bug."""


@crashing.command()
def boom() -> None:
    raise RuntimeError(f"a bug with Bearer {TOKEN} in its message")


def test_a_crash_writes_a_private_new_log_and_never_follows_a_planted_link(
    tmp_path: Path,
) -> None:
    """``/tmp/tidings-error.log`` was a fixed path that followed symlinks: another user could
    plant one and have tidings overwrite a file of theirs' choosing. The log is now a fresh
    ``tidings-error-*.log``, mode 0600; a link at the old path is left alone."""
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    planted = Path(tempfile.gettempdir()) / "tidings-error.log"
    made_link = not planted.exists() and not planted.is_symlink()
    if made_link:
        planted.symlink_to(victim)
    register(TOKEN, "X_TOKEN")
    try:
        result = CliRunner().invoke(crashing, ["boom"])
    finally:
        if made_link:
            planted.unlink()
    assert result.exit_code == 2
    assert "internal error" in result.stderr
    found = re.search(r"details: (\S+)", result.stderr)
    assert found, result.stderr
    log = Path(found.group(1))
    try:
        assert log.name.startswith("tidings-error-") and log != planted
        assert stat.S_IMODE(os.stat(log).st_mode) == 0o600
        text = log.read_text()
        assert "RuntimeError" in text and TOKEN not in text and "<X_TOKEN>" in text
    finally:
        log.unlink()
    assert victim.read_text() == "keep me"
