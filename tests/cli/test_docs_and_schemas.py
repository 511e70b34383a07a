"""Docs and schemas are kept honest by tests: every code documented, every field described."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cogapp import Cog
from jsonschema import Draft202012Validator

from tidings.check.codes import CODES
from tidings.check.docs import checks_page
from tidings.check.runner import check_workspace
from tidings.cli.main import cli
from tidings.cli.reference import command_reference
from tidings.diagnostics import Severity
from tidings.workspace.validation import KINDS, load_schema

REPO = Path(__file__).parents[2]


def test_every_code_is_documented_and_listed() -> None:
    docs = (REPO / "site/checks.md").read_text()
    listed = CliRunner().invoke(cli, ["rules"]).output
    for code, info in CODES.items():
        assert f"`{code}`" in docs, code
        assert code in listed, code
        assert info.meaning.endswith(".") and info.fix, code


def test_checks_page_is_generated_from_the_codes() -> None:
    generated = CliRunner().invoke(cli, ["rules", "--format", "markdown"]).output
    assert generated == checks_page()
    assert (REPO / "site/checks.md").read_text(encoding="utf-8") == generated, (
        "site/checks.md is out of date: run `tidings rules --format markdown > site/checks.md`"
    )


def test_commands_page_reference_is_generated_from_the_help() -> None:
    page = (REPO / "site/commands.md").read_text(encoding="utf-8")
    assert "[[[cog" in page and command_reference() in page
    assert Cog().process_string(page) == page, (
        "site/commands.md's reference is out of date: run `make docs` (cog -r site/commands.md)"
    )


def _properties(schema: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(schema, dict):
        for name, sub in (schema.get("properties") or {}).items():
            yield f"{where}.{name}", sub
        for key, sub in schema.items():
            if key != "properties":
                yield from _properties(sub, f"{where}/{key}")
        for name, sub in (schema.get("properties") or {}).items():
            yield from _properties(sub, f"{where}.{name}")
    elif isinstance(schema, list):
        for i, sub in enumerate(schema):
            yield from _properties(sub, f"{where}[{i}]")


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_valid_and_every_property_described(kind: str) -> None:
    schema = load_schema(kind)
    Draft202012Validator.check_schema(schema)
    assert (REPO / "schemas" / f"{kind}.schema.json").is_file()
    for where, prop in _properties(schema):
        assert prop.get("description") or prop.get("$ref"), f"{kind}{where} has no description"


def test_vscode_maps_the_yaml_schemas() -> None:
    settings = json.loads((REPO / ".vscode/settings.json").read_text())
    mapped = " ".join(settings["yaml.schemas"]) + " ".join(
        m["url"] for m in settings["json.schemas"]
    )
    assert "metrics.schema.json" in mapped
    for kind in ("workspace", "brand", "channels", "calendar", "goals", "competitors", "ledger"):
        assert f"{kind}.schema.json" in mapped


def test_example_brand_passes_check() -> None:
    result = check_workspace(REPO)
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert errors == []
    ws = result.workspace
    assert len(ws.posts) >= 30
    assert {c.platform for c in ws.channels.values()} >= {
        "mastodon",
        "bluesky",
        "x",
        "linkedin",
        "instagram",
        "outbox",
        "feed",
    }
    assert sum(len(p.parts) > 1 for p in ws.posts.values()) >= 2
    assert sum(bool(p.variants) for p in ws.posts.values()) >= 2
    assert len(ws.campaigns) >= 2 and ws.blackouts
    assert {i.status for i in ws.ideas.values()} >= {"rejected"}
    assert all(m.alt for p in ws.posts.values() for m in p.media)
