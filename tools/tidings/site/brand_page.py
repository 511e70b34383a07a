"""The brand guidelines page, from ``brand/brand.yaml``, for the people who write posts.

Each setting is shown with the sentence the brand schema uses to describe it, so the page
explains itself and keeps up with new settings without code here: the voice, word lists
and severity overrides get their own layout, everything else a plain nested list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from tidings.site.views import ContentLink
from tidings.workspace.model import Brand
from tidings.workspace.validation import load_schema

TITLES = {
    "voice": "Voice",
    "words": "Words",
    "reading_level": "Reading level",
    "hashtags": "Hashtags",
    "disclosure": "Disclosure",
    "links": "Links",
    "emoji": "Emoji",
    "alt_text": "Alt text (image descriptions)",
    "cadence": "How often we post",
    "rules": "Changed check severities",
}
ABOUT = ("name", "website", "timezone", "language")


@dataclass(frozen=True)
class Setting:
    """One setting: a label, what it means, and its value (text, list or mapping)."""

    key: str
    label: str
    description: str | None
    value: Any
    children: tuple[Setting, ...] = ()


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    description: str | None
    settings: tuple[Setting, ...]
    value: Any = None


@cache
def _schema() -> dict[str, Any]:
    try:
        return load_schema("brand")
    except (OSError, ValueError):
        return {}


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _description(schema: Mapping[str, Any]) -> str | None:
    text = schema.get("description")
    return text if isinstance(text, str) else None


def _settings(value: Any, schema: Mapping[str, Any]) -> tuple[Setting, ...]:
    if not isinstance(value, Mapping):
        return ()
    props = schema.get("properties") if isinstance(schema.get("properties"), Mapping) else {}
    out = []
    for key, item in value.items():
        sub = props.get(key) if isinstance(props, Mapping) else None
        sub = sub if isinstance(sub, Mapping) else {}
        nested = _settings(item, sub) if isinstance(item, Mapping) and "properties" in sub else ()
        out.append(
            Setting(str(key), _label(str(key)), _description(sub), None if nested else item, nested)
        )
    return tuple(out)


def brand_sections(brand: Brand | None) -> list[Section]:
    """The page's sections, in the order of ``brand.yaml``, starting with who we are."""
    if brand is None:
        return []
    # The page shows brand.yaml as written, key by key in its order, each with its schema's
    # description: it reads the parsed source document, not the typed settings, so a new
    # schema key appears here without code.
    raw = dict(brand.source.doc.data)
    props = _schema().get("properties", {})
    about = []
    for key in ABOUT:
        if key in raw:
            value = raw[key]
            if key == "website" and isinstance(value, str):
                value = ContentLink.of(value)
            about.append(Setting(key, _label(key), _description(props.get(key, {})), value))
    sections = [Section("about", "Who we are", None, tuple(about))]
    for key, value in raw.items():
        if key in ABOUT:
            continue
        schema = props.get(key, {}) if isinstance(props, Mapping) else {}
        settings = _settings(value, schema)
        sections.append(
            Section(
                key,
                TITLES.get(key, _label(key)),
                _description(schema),
                settings,
                None if settings else value,
            )
        )
    return sections
