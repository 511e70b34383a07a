"""Workspaces for tests: a copy of ``tests/fixtures/base`` with overlays, and that copy
committed to a bare remote with a working clone beside it."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

from builders.remotes import clone, make_remote

__all__ = ["EXAMPLE", "FIXTURES", "build_workspace", "copy_example", "copy_tree", "published"]

FIXTURES = Path(__file__).parent.parent / "fixtures"
EXAMPLE = Path(__file__).parents[2]
"""The example brand of this repository (posts, metrics history, inbox, site pages)."""
EXAMPLE_PARTS = (
    "content",
    "brand",
    "ledger",
    "metrics",
    "inbox",
    "site",
    "tidings.yaml",
    "mkdocs.yml",
)

Overlay = Path | Mapping[str, str | bytes]


def copy_tree(src: Path, dst: Path) -> None:
    """Copy ``src`` over ``dst`` (a fixture case's ``expect.yaml`` stays behind)."""
    for path in src.rglob("*"):
        if path.name == "expect.yaml" and path.parent == src:
            continue
        target = dst / path.relative_to(src)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def copy_example(root: Path, parts: tuple[str, ...] = EXAMPLE_PARTS) -> Path:
    """``root`` (made) holding a copy of the example brand's ``parts``."""
    root.mkdir(parents=True, exist_ok=True)
    for name in parts:
        source = EXAMPLE / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        elif source.is_file():
            shutil.copy2(source, root / name)
    return root


def build_workspace(root: Path, *overlays: Overlay) -> Path:
    """``root`` as a copy of the base fixture (made once), then each overlay on top: a
    fixture folder, or ``{path: text or bytes}``."""
    if not root.exists():
        copy_tree(FIXTURES / "base", root)
    for overlay in overlays:
        if isinstance(overlay, Path):
            copy_tree(overlay, root)
            continue
        for rel, content in overlay.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
    return root


def published(tmp: Path, *overlays: Overlay) -> tuple[Path, Path]:
    """The base workspace with ``overlays``, committed as ``main`` of a bare remote
    (``tmp/remote.git``), and a working clone of it (``tmp/work``), as a CI run checks it out.
    ``build/`` is ignored, as in a brand repository. Returns ``(remote, work)``."""
    ws = build_workspace(tmp / "ws", *overlays, {".gitignore": "build/\n"})
    remote = make_remote(ws, tmp / "remote.git")
    return remote, clone(remote, tmp / "work")
