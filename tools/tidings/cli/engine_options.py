"""The options that say which engine a brand repository pins (`init` and `upgrade`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])


def engine_options(f: F) -> F:
    """``--engine-wheel``, ``--engine-repo`` and ``--engine-rev``."""
    f = click.option(
        "--engine-rev",
        metavar="SHA",
        help="The engine's commit for the pre-commit hook's rev: (default: the commit this "
        "engine was built from).",
    )(f)
    f = click.option(
        "--engine-repo",
        metavar="URL",
        help="The engine's git repository, for the pre-commit hook "
        "(default: https://github.com/lumengrain/tidings).",
    )(f)
    f = click.option(
        "--engine-wheel",
        metavar="FILE|URL#sha256=HASH",
        help="The engine's wheel that requirements.lock pins (default: the wheel this tidings "
        "was installed from, as pip recorded it).",
    )(f)
    return f
