"""`tidings init`: a new brand repository, complete, checked clean, in its first commit."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tidings.core.platforms import PLATFORMS
from tidings.errors import GitError, UsageError
from tidings.scaffold import example
from tidings.scaffold.engine import EngineSource
from tidings.scaffold.files import Answers, brand_files, channel_variables, engine_files

__all__ = ["InitResult", "init_repository", "parse_channels", "validate"]


@dataclass(frozen=True)
class InitResult:
    root: Path
    files: tuple[str, ...]
    commit: str


def parse_channels(text: str) -> tuple[str, ...]:
    """``mastodon, bluesky`` → the channel names, each a platform of the platform table."""
    names = tuple(dict.fromkeys(c.strip().lower() for c in text.split(",") if c.strip()))
    unknown = [n for n in names if n not in PLATFORMS]
    if unknown or not names:
        raise UsageError(
            f"--channels: unknown platform(s): {', '.join(unknown) or '(none given)'}",
            f"choose from: {', '.join(PLATFORMS)}",
        )
    return names


def validate(answers: Answers) -> None:
    """A UsageError for an answer no repository can be made from."""
    if not answers.name.strip() or "\n" in answers.name:
        raise UsageError("--name: the brand needs a name on one line", 'e.g. --name "Test Bakery"')
    try:
        ZoneInfo(answers.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"--timezone {answers.timezone!r} is not an IANA timezone",
            "use a name such as Europe/Berlin or America/Chicago",
        ) from None
    if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", answers.language):
        raise UsageError(
            f"--language {answers.language!r} is not a language code", "use e.g. en, de or pt-BR"
        )
    if not re.fullmatch(r"https?://\S+/", answers.site_url):
        raise UsageError(
            f"--site-url {answers.site_url!r} is not a web address ending in /",
            "e.g. https://your-org.github.io/social/",
        )
    parse_channels(",".join(answers.channels))


def refuse_non_empty(dest: Path) -> None:
    """Only a new or empty folder (or a fresh `git init` one) becomes a brand repository."""
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"{dest} is a file", "name a new or empty folder")
    if dest.is_dir():
        found = sorted(p.name for p in dest.iterdir() if p.name != ".git")
        if found:
            shown = ", ".join(found[:5]) + (" …" if len(found) > 5 else "")
            raise UsageError(
                f"{dest} is not empty ({shown}); tidings init writes only into an empty folder",
                "name a new folder (tidings init my-brand), or empty this one; nothing was written",
            )


def init_repository(
    dest: Path, answers: Answers, engine: EngineSource, today: date, *, commit: bool = True
) -> InitResult:
    """Write the whole repository into ``dest`` (new or empty), then `git init` and commit."""
    validate(answers)
    refuse_non_empty(dest)
    day = example.first_post_day(today)
    dates = {
        "@@START@@": today.isoformat(),
        "@@END@@": (today + timedelta(days=60)).isoformat(),
        "@@FIRST_POST_DATE@@": day.isoformat(),
        "@@TODAY@@": today.isoformat(),
    }
    files: dict[str, str | bytes] = {}
    for rel, text in brand_files(answers, engine, today.year).items():
        for marker, value in dates.items():
            text = text.replace(marker, value)
        files[rel] = text
    files["brand/channels.yaml"] = example.channels_yaml(answers)
    files.update(example.example_posts(answers, day))
    if any(example.IMAGE in str(t) for t in files.values()):
        files[example.IMAGE] = example.example_image(answers.name)
    variables = [v for cid in answers.channels for v in channel_variables(cid, cid).values()]
    files.update(engine_files(engine, variables))

    dest.mkdir(parents=True, exist_ok=True)
    for rel, content in sorted(files.items()):
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    sha = _first_commit(dest, answers.name, engine.version) if commit else ""
    return InitResult(dest, tuple(sorted(files)), sha)


def _git(dest: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(dest), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise GitError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def _first_commit(dest: Path, name: str, version: str) -> str:
    if not (dest / ".git").exists():
        _git(dest, "init", "--quiet", "--initial-branch", "main")
    _git(dest, "add", "--all")
    identity: list[str] = []
    known = subprocess.run(
        ["git", "-C", str(dest), "config", "user.email"], capture_output=True, check=False
    )
    if known.returncode != 0 and "GIT_AUTHOR_EMAIL" not in os.environ:
        identity = ["-c", "user.name=tidings init", "-c", "user.email=tidings-init@localhost"]
    _git(
        dest,
        *identity,
        "commit",
        "--quiet",
        "--message",
        f"{name}: a new brand repository (tidings init, tidings {version})",
    )
    return _git(dest, "rev-parse", "HEAD")
