from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from builders.workspaces import build_workspace

from tidings.redaction import KNOWN

pytest_plugins = ["peers.mastodon", "peers.bluesky", "chromium"]


@pytest.fixture
def make_workspace(tmp_path: Path) -> Callable[..., Path]:
    """A copy of tests/fixtures/base, with overlays (fixture dirs or {path: text})."""

    def build(*overlays: Path | dict[str, str | bytes]) -> Path:
        return build_workspace(tmp_path / "ws", *overlays)

    return build


@pytest.fixture(autouse=True)
def _not_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run the same on a laptop and in CI: the CI markers that change tidings' behaviour
    (``date.late`` reads the real clock in CI) are cleared; a test that wants CI sets them."""
    for name in ("CI", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _no_known_secrets() -> Iterator[None]:
    """Each test starts with an empty secret registry, as a fresh process does: no test
    passes because an earlier one registered its secret."""
    KNOWN.forget()
    yield
    KNOWN.forget()
