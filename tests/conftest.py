from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"

pytest_plugins = ["peers.mastodon", "peers.bluesky", "chromium"]


def _copy_tree(src: Path, dst: Path) -> None:
    for path in src.rglob("*"):
        if path.name == "expect.yaml" and path.parent == src:
            continue
        target = dst / path.relative_to(src)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


@pytest.fixture
def make_workspace(tmp_path: Path) -> Callable[..., Path]:
    """A copy of tests/fixtures/base, with overlays (fixture dirs or {path: text})."""

    def build(*overlays: Path | dict[str, str | bytes]) -> Path:
        root = tmp_path / "ws"
        if not root.exists():
            _copy_tree(FIXTURES / "base", root)
        for overlay in overlays:
            if isinstance(overlay, Path):
                _copy_tree(overlay, root)
                continue
            for rel, content in overlay.items():
                target = root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(content, bytes):
                    target.write_bytes(content)
                else:
                    target.write_text(content, encoding="utf-8")
        return root

    return build
