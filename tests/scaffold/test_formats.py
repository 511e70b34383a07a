"""The repository format: declared in tidings.yaml, read before any schema, migrated one
step at a time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from tidings.cli.main import cli
from tidings.errors import FormatError
from tidings.scaffold.migrate import Migration, migrate, pending
from tidings.workspace.formats import FORMAT, repository_format, require_format


def check(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--root", str(root), "check", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("text", "found"),
    [("format: 1\n", 1), ("version: 1\n", 1), ("publish: {lateness: 6h}\n", 1), ("format: 3\n", 3)],
)
def test_the_format_is_format_then_version_then_1(tmp_path: Path, text: str, found: int) -> None:
    (tmp_path / "tidings.yaml").write_text(text)
    assert repository_format(tmp_path) == found


def test_a_newer_format_is_one_clear_message_not_unknown_fields(
    make_workspace: Callable[..., Path],
) -> None:
    root = make_workspace(
        {
            "tidings.yaml": "format: 2\nnew_setting: {anything: 1}\n",
            "brand/brand.yaml": "name: B\ntimezone: UTC\nbrand_new_field: yes\n",
        }
    )
    code, out = check(root)
    assert code == 2
    assert "this repository uses format 2; this engine (tidings 0.1.0) reads up to format 1" in out
    assert "tidings upgrade" in out and "pip install" in out
    assert "new_setting" not in out and "brand_new_field" not in out


def test_existing_repositories_without_format_still_load(
    make_workspace: Callable[..., Path],
) -> None:
    root = make_workspace({"tidings.yaml": "publish:\n  lateness: 6h\n"})
    code, out = check(root)
    assert code == 0, out


def test_an_older_format_asks_for_tidings_migrate(tmp_path: Path) -> None:
    (tmp_path / "tidings.yaml").write_text("format: 1\n")
    with pytest.raises(FormatError) as caught:
        require_format(tmp_path, engine_format=2)
    assert "run `tidings migrate`" in str(caught.value)


# A made-up format 2 in which posts say `when:` instead of `at:`: the mechanism, tested with
# its own migration table (format 1 is the first real one, so MIGRATIONS is empty).
def _rename_at(root: Path) -> dict[str, str]:
    changed = {}
    for post in sorted((root / "content/posts").rglob("*.md")):
        text = post.read_text()
        new = text.replace("\nat: ", "\nwhen: ", 1)
        if new != text:
            changed[post.relative_to(root).as_posix()] = new
    return changed


STEP = Migration(1, "posts say `when:` instead of `at:`", _rename_at)


def test_migrate_rewrites_the_files_and_the_format(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace({"tidings.yaml": "# settings\nversion: 1\npublish: {lateness: 6h}\n"})
    posts = sorted((root / "content/posts").rglob("*.md"))
    before = {p: p.read_text() for p in posts}

    steps, dry = migrate(root, migrations=[STEP], target=2, dry_run=True)
    assert steps == [STEP] and {p: p.read_text() for p in posts} == before  # nothing written
    assert any(c.path == "tidings.yaml" and "+format: 2" in c.diff() for c in dry)

    steps, changes = migrate(root, migrations=[STEP], target=2)
    assert [c.path for c in changes] == [c.path for c in dry]
    assert (root / "tidings.yaml").read_text() == "# settings\nformat: 2\npublish: {lateness: 6h}\n"
    assert all("\nwhen: " in p.read_text() for p in posts if "\nat: " in before[p])
    assert repository_format(root) == 2
    with pytest.raises(FormatError):  # and this engine now refuses it, saying why
        require_format(root)
    assert migrate(root, migrations=[STEP], target=2) == ([], [])


def test_a_missing_step_or_a_backwards_step_is_refused() -> None:
    with pytest.raises(FormatError, match="no migration from format 2 to 3"):
        pending(1, 3, [STEP])
    with pytest.raises(FormatError, match="reads up to format 1"):
        pending(2, 1, [STEP])
    assert pending(FORMAT) == []


def test_tidings_migrate_on_a_current_repository_does_nothing(
    make_workspace: Callable[..., Path],
) -> None:
    root = make_workspace({})
    result = CliRunner().invoke(cli, ["--root", str(root), "migrate"])
    assert result.exit_code == 0 and "nothing to do" in result.output
