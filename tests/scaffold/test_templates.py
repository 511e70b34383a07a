"""The brand repository's workflows are this repository's workflows, installing the lock.

This repository's `.github/workflows/` install the local engine; a brand repository's (the
templates in tidings/scaffold/templates/engine/) install `requirements.lock`. Otherwise
they are the same workflows, step for step: a workflow added or changed here without its
template (or the reverse) fails this test, which names it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tidings.scaffold.engine import EngineSource
from tidings.scaffold.files import engine_files

REPO = Path(__file__).parents[2]
OURS = sorted((REPO / ".github/workflows").glob("*.yml"))
ENGINE = EngineSource(
    "9.9.9", "https://example.com/t.whl", "0" * 64, "https://example.com/t", "1" * 40
)
SECRET = re.compile(r"^\$\{\{ secrets\.(\w+) \}\}$")
LOCAL_INSTALL = "pip install --no-deps --no-build-isolation ."


def as_brand(workflow: Any) -> Any:
    """This repository's workflow as a brand repository runs it: the lock instead of the
    local engine, and no channel's secrets (the brand's own are filled in by init)."""
    if isinstance(workflow, list):
        return [
            as_brand(s)
            for s in workflow
            if not (isinstance(s, dict) and s.get("run") == LOCAL_INSTALL)
        ]
    if not isinstance(workflow, dict):
        return workflow
    out = {}
    for key, value in workflow.items():
        if (
            key == "run"
            and isinstance(value, str)
            and value.startswith("pip install --require-hashes")
        ):
            value = "pip install --require-hashes -r requirements.lock"
        elif key == "cache-dependency-path":
            value = re.sub(r"requirements/\w+\.txt", "requirements.lock", value)
        elif key in {"key", "restore-keys"}:  # actions/cache of build/: the engine is the lock
            value = value.replace("'requirements/site.txt', 'tools/**'", "'requirements.lock'")
        elif key == "env":
            value = {
                k: v
                for k, v in value.items()
                if not (SECRET.match(str(v)) and k != "LEDGER_DEPLOY_KEY")
            }
        out[key] = as_brand(value)
    return out


def test_every_workflow_here_has_a_brand_template() -> None:
    templates = {p for p in engine_files(ENGINE, []) if p.startswith(".github/workflows/")}
    assert templates == {f".github/workflows/{p.name}" for p in OURS}


@pytest.mark.parametrize("ours", OURS, ids=lambda p: p.name)
def test_the_template_is_this_workflow_installing_the_lock(ours: Path) -> None:
    rendered = engine_files(ENGINE, [])[f".github/workflows/{ours.name}"]
    assert as_brand(yaml.safe_load(rendered)) == as_brand(yaml.safe_load(ours.read_text()))
    assert "Written by tidings 9.9.9" in rendered
