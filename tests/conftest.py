from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from builders.workspaces import build_workspace

pytest_plugins = ["peers.mastodon", "peers.bluesky", "chromium"]


@pytest.fixture
def make_workspace(tmp_path: Path) -> Callable[..., Path]:
    """A copy of tests/fixtures/base, with overlays (fixture dirs or {path: text})."""

    def build(*overlays: Path | dict[str, str | bytes]) -> Path:
        return build_workspace(tmp_path / "ws", *overlays)

    return build
