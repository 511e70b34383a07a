"""The files of a brand repository, and which of them the engine owns.

    engine_files(engine, variables)  every engine-owned file and its text, for this engine
    brand_files(answers)             the people's files `tidings init` writes once
    credential_variables(root)       the variable names brand/channels.yaml declares

**The one list of engine-owned files** is :func:`engine_files`: every template under
``templates/engine/`` (the workflows and their zizmor settings, the pre-commit config, the
editor settings), the schemas (``schemas/``) and ``requirements.lock``. ``tidings upgrade``
rewrites exactly these and nothing else; a new engine-owned file (a new workflow) is one new
file in ``templates/engine/``. Everything else in a brand repository belongs to people.

Templates are plain text with ``@@NAME@@`` markers (never Jinja: the engine's runtime has no
Jinja, and workflows are full of ``${{ }}``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from tidings.core.platforms import PLATFORMS
from tidings.scaffold.engine import EngineSource
from tidings.workspace.formats import FORMAT
from tidings.workspace.loader import Collector, load_channels

__all__ = [
    "Answers",
    "brand_files",
    "channel_variables",
    "credential_variables",
    "engine_files",
    "lock_text",
    "yaml_string",
]

TEMPLATES = resources.files("tidings.scaffold").joinpath("templates")
DEPENDENCIES = resources.files("tidings.scaffold").joinpath("site.lock")
"""The engine's own lock of its runtime and site stack (a copy of requirements/site.txt that
`make lock` keeps): the hashes of everything a brand repository installs besides the engine."""


@dataclass(frozen=True)
class Answers:
    """What `tidings init` asks: the brand and where its site will be."""

    name: str
    timezone: str
    language: str
    channels: tuple[str, ...]
    site_url: str


def _walk(folder: Traversable, prefix: str = "") -> Iterator[tuple[str, Traversable]]:
    for item in sorted(folder.iterdir(), key=lambda t: t.name):
        rel = f"{prefix}{item.name}"
        if item.is_dir():
            yield from _walk(item, f"{rel}/")
        elif not item.name.endswith((".pyc", ".pyo")):
            yield rel, item


def _target(rel: str) -> str:
    """``dot-github/workflows/x.yml`` → ``.github/workflows/x.yml``."""
    return "/".join("." + p[4:] if p.startswith("dot-") else p for p in rel.split("/"))


def _render(text: str, values: Mapping[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        return values.get(match.group(1), match.group(0))  # dates: filled by the caller

    return re.sub(r"@@([A-Z_]+)@@", fill, text)


def channel_variables(channel_id: str, platform: str) -> dict[str, str]:
    """A new channel's credential keys → variable names: the platform table's first way to
    sign in, each key as ``<CHANNEL>_<KEY>`` (``mastodon`` → ``MASTODON_ACCESS_TOKEN``)."""
    row = PLATFORMS[platform]
    if not row.credentials:
        return {}
    prefix = re.sub(r"[^A-Z0-9]+", "_", channel_id.upper())
    return {key: f"{prefix}_{key.upper()}" for key in row.credentials[0].required}


def credential_variables(root: Path) -> list[str]:
    """Every variable name brand/channels.yaml names under ``credentials:``, in file order."""
    found: dict[str, None] = {}
    for channel in load_channels(root, Collector()).values():
        found.update(dict.fromkeys(channel.credentials.values()))
    return list(found)


def _env_block(text: str, variables: Iterable[str]) -> str:
    """Expand each ``@@CREDENTIALS_ENV@@`` line into one ``NAME: ${{ secrets.NAME }}`` line
    per variable at its indentation (an ``env:`` left empty becomes ``env: {}``)."""
    names = list(variables)
    if not names:
        text = re.sub(r"(?m)^( *)env:\n *@@CREDENTIALS_ENV@@\n", r"\1env: {}\n", text)
        return re.sub(r"(?m)^ *@@CREDENTIALS_ENV@@\n", "", text)

    def block(match: re.Match[str]) -> str:
        indent = match.group(1)
        return "".join(f"{indent}{n}: ${{{{ secrets.{n} }}}}\n" for n in names)

    return re.sub(r"(?m)^( *)@@CREDENTIALS_ENV@@\n", block, text)


def lock_text(engine: EngineSource) -> str:
    """requirements.lock: the engine by its wheel's URL and hash, then the engine's own lock
    of its dependencies (runtime + site), comments dropped."""
    kept = [
        line
        for line in DEPENDENCIES.read_text("utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    return (
        f"# The engine and everything it needs, each pinned by its SHA-256: CI installs it with\n"
        f"#   pip install --require-hashes -r requirements.lock\n"
        f"# Written by tidings {engine.version}; `tidings upgrade` rewrites it for a newer engine.\n"
        f"{engine.requirement()}\n" + "\n".join(kept) + "\n"
    )


def engine_files(engine: EngineSource, variables: Iterable[str]) -> dict[str, str]:
    """Every file the engine owns in a brand repository, as this engine writes it."""
    values = {
        "VERSION": engine.version,
        "ENGINE_REPOSITORY": engine.repository,
        "ENGINE_COMMIT": engine.commit,
        "FORMAT": str(FORMAT),
    }
    names = list(variables)
    files = {
        _target(rel): _render(_env_block(item.read_text("utf-8"), names), values)
        for rel, item in _walk(TEMPLATES.joinpath("engine"))
    }
    for rel, item in _walk(resources.files("tidings").joinpath("schemas")):
        if rel.endswith(".json"):
            files[f"schemas/{rel}"] = item.read_text("utf-8")
    files["requirements.lock"] = lock_text(engine)
    return dict(sorted(files.items()))


def brand_files(answers: Answers, engine: EngineSource, year: int) -> dict[str, str]:
    """The people's files from ``templates/brand/`` (posts, channels and the image are
    :mod:`tidings.scaffold.example`'s)."""
    values = {
        "NAME": answers.name,
        "NAME_YAML": yaml_string(answers.name),
        "HELLO_YAML": yaml_string(f"Hello from {answers.name}"),
        "DESCRIPTION_YAML": yaml_string(f"What {answers.name} posts, where and when"),
        "TIMEZONE": answers.timezone,
        "LANGUAGE": answers.language,
        "SITE_URL": answers.site_url,
        "FORMAT": str(FORMAT),
        "YEAR": str(year),
        "CHANNELS": ", ".join(answers.channels),
        "ENGINE_REPOSITORY": engine.repository,
        "VERSION": engine.version,
    }
    return {
        _target(rel): _render(item.read_text("utf-8"), values)
        for rel, item in _walk(TEMPLATES.joinpath("brand"))
    }


def yaml_string(text: str) -> str:
    """``text`` as a double-quoted YAML scalar."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
