"""`tidings init` from the command line: answers, prompts, refusals (the dev install, a
placeholder wheel file for the lock's pin)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tidings.cli.main import cli

REPO = Path(__file__).parents[2]
REV = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def wheel(tmp_path: Path) -> Path:
    path = tmp_path / "tidings-0.1.0-py3-none-any.whl"
    path.write_bytes(b"a stand-in for the engine's wheel: only its hash is used")
    return path


def init(wheel: Path, *args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli,
        ["init", *args, "--engine-wheel", str(wheel), "--engine-rev", REV],
        input=input,
    )
    return result.exit_code, result.output


def test_a_non_empty_folder_is_refused_and_nothing_is_written(wheel: Path, tmp_path: Path) -> None:
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    code, out = init(
        wheel, str(dest), "--name", "B", "--timezone", "UTC", "--channels", "feed", "--yes"
    )
    assert code == 2
    assert "is not empty (notes.txt)" in out and "nothing was written" in out
    assert sorted(p.name for p in dest.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--channels", "mastodon,myspace", "unknown platform(s): myspace"),
        ("--timezone", "Mars/Olympus", "not an IANA timezone"),
        ("--language", "English!", "not a language code"),
    ],
)
def test_bad_answers_are_named_and_nothing_is_written(
    wheel: Path, tmp_path: Path, option: str, value: str, message: str
) -> None:
    answers = {"--name": "B", "--timezone": "UTC", "--channels": "feed", "--language": "en"}
    answers[option] = value
    args = [x for kv in answers.items() for x in kv]
    code, out = init(wheel, str(tmp_path / "new"), *args, "--yes")
    assert code == 2 and message in out
    assert "Traceback" not in out
    assert not (tmp_path / "new").exists()


def test_yes_needs_every_answer(wheel: Path, tmp_path: Path) -> None:
    code, out = init(wheel, str(tmp_path / "new"), "--name", "B", "--yes")
    assert code == 2 and "--yes needs --timezone, --channels" in out


def test_it_asks_for_what_it_was_not_given(wheel: Path, tmp_path: Path) -> None:
    dest = tmp_path / "asked"
    code, out = init(wheel, str(dest), input="Corner Café\nEurope/Lisbon\nmastodon\n\n")
    assert code == 0, out
    assert "Brand name:" in out and "Timezone" in out and "Channels" in out
    brand = yaml.safe_load((dest / "brand/brand.yaml").read_text())
    assert (brand["name"], brand["timezone"]) == ("Corner Café", "Europe/Lisbon")
    assert yaml.safe_load((dest / "tidings.yaml").read_text())["site"]["url"] == (
        "https://example.github.io/asked/"
    )


def test_init_in_an_empty_git_repository_commits_there(
    wheel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "repo"
    subprocess.run(["git", "init", "--quiet", str(dest)], check=True)
    monkeypatch.chdir(dest)
    code, out = init(
        wheel, "--name", "Local", "--timezone", "UTC", "--channels", "outbox,feed", "--yes"
    )
    assert code == 0, out
    log = subprocess.run(
        ["git", "-C", str(dest), "log", "--oneline"], capture_output=True, text=True
    )
    assert len(log.stdout.splitlines()) == 1
    # no channel has credentials: the workflows' secret steps get an empty env, still valid
    publish = yaml.safe_load((dest / ".github/workflows/publish.yml").read_text())
    steps = publish["jobs"]["publish"]["steps"]
    assert [s.get("env") for s in steps if "tidings publish" in s.get("run", "")] == [{}]
    assert not (dest / "content/media").exists()  # no channel needs an image
    for path in dest.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            assert "@@" not in path.read_text(errors="replace"), path
    pre_commit = (dest / ".pre-commit-config.yaml").read_text()
    assert f"rev: {REV}  # frozen: v0.1.0" in pre_commit


def test_a_url_wheel_needs_its_hash(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "init",
            str(tmp_path / "n"),
            "--name",
            "B",
            "--timezone",
            "UTC",
            "--channels",
            "feed",
            "--yes",
            "--engine-wheel",
            "https://example.com/tidings-0.1.0-py3-none-any.whl",
            "--engine-rev",
            REV,
        ],
    )
    assert result.exit_code == 2 and "a URL needs the wheel's hash" in result.output


def test_the_packaged_lock_is_the_engine_s_site_lock() -> None:
    """`make lock` copies requirements/site.txt into the package: brand repositories install
    exactly what this repository's check and pages workflows install."""
    packaged = REPO / "tools/tidings/scaffold/site.lock"
    assert packaged.read_text() == (REPO / "requirements/site.txt").read_text()


def test_a_name_full_of_yaml_syntax_still_checks_clean(wheel: Path, tmp_path: Path) -> None:
    dest = tmp_path / "odd"
    name = "O'Brien's Bakery: \"Fresh\" #1 & more"
    code, out = init(
        wheel,
        str(dest),
        "--name",
        name,
        "--timezone",
        "Europe/Dublin",
        "--channels",
        "instagram,x",
        "--yes",
    )
    assert code == 0, out
    assert yaml.safe_load((dest / "brand/brand.yaml").read_text())["name"] == name
    assert yaml.safe_load((dest / "mkdocs.yml").read_text())["site_name"] == name
    result = CliRunner().invoke(cli, ["--root", str(dest), "check", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert {d["severity"] for d in json.loads(result.output)} <= {"info"}
