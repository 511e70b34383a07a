"""`tidings upgrade`: move a brand repository to this engine.

It rewrites exactly the engine-owned files (:func:`tidings.scaffold.files.engine_files`:
the workflows, the hook config, the schemas and editor settings, and requirements.lock,
which pins this engine's wheel by its hash) and never a file people own. The workflows get
every credential variable brand/channels.yaml names. When this engine reads a newer format
than the repository's, the plan names the `tidings migrate` steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tidings.errors import UsageError
from tidings.scaffold.changes import Change, apply, read
from tidings.scaffold.engine import EngineSource
from tidings.scaffold.files import credential_variables, engine_files
from tidings.scaffold.migrate import MIGRATIONS, Migration, pending
from tidings.workspace.formats import FORMAT, repository_format

__all__ = ["UpgradePlan", "plan_upgrade", "upgrade"]


@dataclass(frozen=True)
class UpgradePlan:
    changes: tuple[Change, ...]
    migrations: tuple[Migration, ...]


def plan_upgrade(
    root: Path,
    engine: EngineSource,
    migrations: Sequence[Migration] = MIGRATIONS,
    target: int = FORMAT,
) -> UpgradePlan:
    """What upgrading ``root`` to ``engine`` changes: the engine-owned files that differ,
    and the migrations from the repository's format to ``target`` (this engine's)."""
    if (root / "tools" / "tidings").is_dir():
        raise UsageError(
            f"{root} is the engine's own repository: its workflows install the local engine",
            "run tidings upgrade in a brand repository made by tidings init",
        )
    steps = pending(repository_format(root), target, migrations)
    wanted = engine_files(engine, credential_variables(root))
    changes = tuple(
        Change(rel, read(root, rel), text)
        for rel, text in wanted.items()
        if read(root, rel) != text
    )
    return UpgradePlan(changes, tuple(steps))


def upgrade(root: Path, engine: EngineSource, *, dry_run: bool = False) -> UpgradePlan:
    plan = plan_upgrade(root, engine)
    if not dry_run:
        apply(root, plan.changes)
    return plan
