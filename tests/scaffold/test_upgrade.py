"""`tidings upgrade` on a brand repository: engine-owned files only, people's files never."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from tidings.cli.main import cli
from tidings.scaffold.engine import EngineSource
from tidings.scaffold.files import Answers
from tidings.scaffold.init import init_repository
from tidings.scaffold.migrate import Migration
from tidings.scaffold.upgrade import plan_upgrade

REPO = Path(__file__).parents[2]
OLD = EngineSource(
    "0.1.0",
    "https://example.com/tidings-0.1.0-py3-none-any.whl",
    "a" * 64,
    "https://github.com/lumengrain/tidings",
    "1" * 40,
)


@pytest.fixture
def brand(tmp_path: Path) -> Path:
    answers = Answers(
        "Corner Café", "Europe/Lisbon", "pt", ("mastodon", "instagram"), "https://corner.example/"
    )
    return init_repository(tmp_path / "brand", answers, OLD, date(2026, 12, 1), commit=False).root


@pytest.fixture
def upgrade(tmp_path: Path) -> Callable[..., tuple[int, str]]:
    """`tidings upgrade` to a next engine (a placeholder wheel: only its hash is used)."""
    wheel = tmp_path / "tidings-0.2.0-py3-none-any.whl"
    wheel.write_bytes(b"the next engine")

    def run(root: Path, *args: str) -> tuple[int, str]:
        result = CliRunner().invoke(
            cli,
            [
                "--root",
                str(root),
                "upgrade",
                "--engine-wheel",
                str(wheel),
                "--engine-rev",
                "2" * 40,
                *args,
            ],
        )
        return result.exit_code, result.output

    return run


def test_people_s_files_stay_and_engine_files_are_restored(
    brand: Path, upgrade: Callable[..., tuple[int, str]]
) -> None:
    people = brand / "brand/brand.yaml"
    people.write_text(people.read_text() + "# our own note\n")
    post = next((brand / "content/posts").rglob("hello-mastodon.md"))
    post_text = post.read_text()
    workflow = brand / ".github/workflows/check.yml"
    workflow.write_text(workflow.read_text() + "# edited by hand\n")

    code, out = upgrade(brand)
    assert code == 0, out
    assert people.read_text().endswith("# our own note\n")
    assert post.read_text() == post_text
    assert "# edited by hand" not in workflow.read_text()
    assert "-# edited by hand" in out  # the diff shows what was undone
    assert "2" * 40 in (brand / ".pre-commit-config.yaml").read_text()


def test_a_channel_added_by_people_reaches_the_workflows(
    brand: Path, upgrade: Callable[..., tuple[int, str]]
) -> None:
    channels = brand / "brand/channels.yaml"
    channels.write_text(
        channels.read_text() + "  bluesky:\n    platform: bluesky\n    credentials:\n"
        "      handle: BSKY_HANDLE\n      app_password: BSKY_APP_PASSWORD\n"
    )
    code, out = upgrade(brand, "--dry-run")
    assert code == 0
    assert "+          BSKY_APP_PASSWORD: ${{ secrets.BSKY_APP_PASSWORD }}" in out
    assert "BSKY" not in (brand / ".github/workflows/publish.yml").read_text()  # dry run


def test_upgrade_names_the_migrations_a_newer_format_needs(brand: Path) -> None:
    step = Migration(1, "posts say `when:` instead of `at:`", lambda root: {})
    plan = plan_upgrade(brand, OLD, [step], target=2)
    assert [m.title for m in plan.migrations] == [
        "format 1 → 2: posts say `when:` instead of `at:`"
    ]


def test_the_engine_s_own_repository_is_never_upgraded(
    upgrade: Callable[..., tuple[int, str]],
) -> None:
    code, out = upgrade(REPO, "--dry-run")
    assert code == 2 and "the engine's own repository" in out
