"""The repository format: one number in ``tidings.yaml`` for every file kind.

    FORMAT                   the format this engine reads and writes
    repository_format(root)  the format a repository declares (``format:``; the earlier
                             key ``version:``; missing = 1)
    require_format(root)     a :class:`~tidings.errors.FormatError` unless it is FORMAT

Every file a person writes (posts, ideas, calendars, brand, channels, goals, competitors,
tidings.yaml) and every file CI writes (ledger, metrics) is read as the repository's format.
A change to any of them that an older file would not pass, or that an older engine would
misread, is a new format with a migration (``tidings migrate``, ``tidings.scaffold.migrate``).
The schemas carry the format in their ``$id`` (``…/schemas/format-1/post.schema.json``).

The format is read before any schema, so an engine that meets a newer repository says so in
one line instead of reporting every field it does not know.
"""

from __future__ import annotations

from pathlib import Path

from tidings import __version__
from tidings.errors import FormatError
from tidings.workspace.layout import MARKER
from tidings.workspace.sourcefiles import FileProblem, read_text
from tidings.workspace.yamlsource import YamlProblem, parse_yaml

__all__ = ["FORMAT", "FORMAT_KEY", "repository_format", "require_format"]

FORMAT = 1
"""The repository format this engine reads. Raise it with a migration in
``tidings.scaffold.migrate.MIGRATIONS`` from the previous number."""

FORMAT_KEY = "format"
LEGACY_KEY = "version"  # tidings.yaml's name for the same number before `format:`


def repository_format(root: Path) -> int:
    """The format ``root``'s tidings.yaml declares: ``format:``, else ``version:``, else 1.

    A file that cannot be read or parsed counts as 1: the loader reports why it is broken."""
    try:
        data = parse_yaml(read_text(root / MARKER, 1024 * 1024)).data
    except (FileProblem, YamlProblem, OSError):
        return 1
    if not isinstance(data, dict):
        return 1
    value = data.get(FORMAT_KEY, data.get(LEGACY_KEY, 1))
    return value if isinstance(value, int) and not isinstance(value, bool) else 1


def require_format(root: Path, engine_format: int = FORMAT) -> int:
    """``root``'s format when this engine reads it, else a FormatError saying what to do."""
    found = repository_format(root)
    if found > engine_format:
        raise FormatError(
            f"this repository uses format {found}; this engine (tidings {__version__}) reads "
            f"up to format {engine_format}",
            "install the engine the repository pins (`pip install --require-hashes -r "
            "requirements.lock`) or a newer tidings, then run `tidings upgrade`",
        )
    if found < engine_format:
        raise FormatError(
            f"this repository uses format {found}; this engine (tidings {__version__}) reads "
            f"format {engine_format}",
            "run `tidings migrate` to rewrite its files in the new format (it shows each "
            "change; `--dry-run` writes nothing)",
        )
    return found
