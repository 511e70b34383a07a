from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from builders.workspaces import build_workspace

from tidings.redaction import KNOWN

pytest_plugins = ["peers.mastodon", "peers.bluesky", "chromium"]

# `make pytest` runs the suite on every core (pytest-xdist, -n auto). Each worker is a process
# of its own with its own session fixtures (the Bluesky PDS, mastodon-mock, Chromium, the fakes,
# each on a free port) and its own temporary folders, so tests are handed out one at a time,
# except these modules, whose tests all go to one worker:
ONE_WORKER = {
    # the engine's wheel is built once, and building it writes into the checkout (build/,
    # tools/tidings.egg-info, the sdist's tidings-*/ folder): two builds at once clash
    "tests/scaffold/test_brand_repository.py",
    # a module-scoped fixture builds something costly once: a site, dashboards, a PDF, data
    "tests/check/test_example_brand.py",
    "tests/metrics/test_report.py",
    "tests/site/test_dashboards_browser.py",
    "tests/site/test_dashboards_site.py",
    "tests/site/test_link_in_bio_browser.py",
    "tests/site/test_report_pdf.py",
    "tests/site/test_site.py",
    # ... or Bluesky accounts and posts on the PDS, made once for the module
    "tests/jobs/test_inbox.py",
    "tests/jobs/test_inbox_backlog.py",
    "tests/jobs/test_listening.py",
    "tests/platforms/test_bluesky.py",
}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """xdist's scheduler by scope, where a test's scope is its module in ONE_WORKER and the
    test itself elsewhere. (``--dist loadgroup`` with ``xdist_group`` marks would say the
    same, but pytest-xdist 3.8 cannot rename pytest 9.2's node ids, so its groups are
    silently ignored.) Any other ``--dist`` than the default is xdist's own."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in ONE_WORKER else nodeid

    return Scheduling(config, log)


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
