"""The GitHub Actions workflows are thin and safe: every step is one `tidings …` command
or an action pinned by commit SHA; pull-request workflows see no secret and cannot write;
only publish and metrics see the platform secrets, exactly the names brand/channels.yaml
declares; publish and metrics share one concurrency group that never cancels a run.

actionlint, zizmor and the workflow JSON Schema run over the same files in `make test`
(`make lint-workflows`); these tests hold the project's own rules on top of them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
SECRET = re.compile(r"\$\{\{\s*secrets\.(\w+)\s*\}\}")
PR_TRIGGERS = {"pull_request", "pull_request_target"}


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return dict(data)


def triggers(workflow: dict[str, Any]) -> set[str]:
    on = workflow["on"]
    return {on} if isinstance(on, str) else set(on)


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def declared_credentials() -> set[str]:
    channels = yaml.safe_load((ROOT / "brand" / "channels.yaml").read_text())["channels"]
    return {name for ch in channels.values() for name in (ch.get("credentials") or {}).values()}


def test_the_workflows_of_the_design_exist() -> None:
    names = {path.stem for path in FILES}
    assert {"check", "preview", "preview-cleanup", "publish", "metrics", "pages"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_step_is_a_tidings_command_or_a_pinned_action(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    for step in steps(load(path)):
        if "uses" in step:
            assert PINNED.match(step["uses"]), f"{path.name}: {step['uses']} is not pinned by SHA"
            line = next(text for text in lines if step["uses"] in text)
            assert re.search(r"# v\d", line), f"{path.name}: say which version {step['uses']} is"
        else:
            run = step["run"].strip()
            assert "\n" not in run, f"{path.name}: one command per step, not a script: {run}"
            assert run == "pip install ." or run.startswith("tidings "), run


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_pull_request_workflows_see_no_secret_and_cannot_write(path: Path) -> None:
    workflow = load(path)
    if not triggers(workflow) & PR_TRIGGERS:
        return
    text = path.read_text(encoding="utf-8")
    assert not SECRET.search(text), f"{path.name} references a secret"
    assert "pull_request_target" not in triggers(workflow)
    for job in workflow["jobs"].values():
        permissions = job.get("permissions", workflow.get("permissions"))
        writes = {k for k, v in (permissions or {}).items() if v == "write"}
        if path.stem == "check":
            assert writes == set()
        else:  # preview-cleanup: only for branches of this repository, only contents
            assert writes <= {"contents"}
            assert "head.repo.full_name == github.repository" in job["if"]


def test_check_runs_with_a_read_only_token_and_keeps_no_credentials() -> None:
    workflow = load(WORKFLOWS / "check.yml")
    assert workflow["permissions"] == {"contents": "read"}
    checkout = next(s for s in steps(workflow) if "actions/checkout" in s.get("uses", ""))
    assert checkout["with"]["persist-credentials"] is False
    runs = [s["run"] for s in steps(workflow) if "run" in s]
    assert "tidings check --format github" in runs
    assert any(r.startswith("tidings site build") for r in runs)
    assert any(r.startswith("tidings review") and r.endswith("review.md") for r in runs)
    upload = next(s for s in steps(workflow) if "upload-artifact" in s.get("uses", ""))
    assert upload["with"]["name"] == "preview"


def test_preview_never_checks_out_or_runs_the_pull_request() -> None:
    workflow = load(WORKFLOWS / "preview.yml")
    assert triggers(workflow) == {"workflow_run"}
    assert workflow["on"]["workflow_run"]["workflows"] == [load(WORKFLOWS / "check.yml")["name"]]
    text = (WORKFLOWS / "preview.yml").read_text(encoding="utf-8")
    assert "head_sha" not in text
    assert not SECRET.search(text)
    for step in steps(workflow):
        if "actions/checkout" in step.get("uses", ""):
            assert "ref" not in step.get("with", {}), "check out the default branch only"
        if "download-artifact" in step.get("uses", ""):
            assert step["with"]["path"].startswith("${{ runner.temp }}")
    runs = " ".join(s.get("run", "") for s in steps(workflow))
    assert "tidings github pr" in runs and "tidings github comment" in runs
    assert "--prefix" in runs and "tidings site deploy" in runs
    job = next(iter(workflow["jobs"].values()))
    assert workflow["permissions"] == {}
    assert job["permissions"] == {
        "actions": "read",
        "contents": "write",
        "pull-requests": "write",
    }


def test_platform_secrets_only_in_publish_and_metrics() -> None:
    for path in FILES:
        names = set(SECRET.findall(path.read_text(encoding="utf-8")))
        if path.stem in {"publish", "metrics"}:
            assert names == declared_credentials(), path.name
        else:
            assert names == set(), f"{path.name} must not see {sorted(names)}"


@pytest.mark.parametrize("name", ["publish", "metrics"])
def test_secrets_reach_only_the_step_that_needs_them(name: str) -> None:
    workflow = load(WORKFLOWS / f"{name}.yml")
    assert "env" not in workflow
    for job in workflow["jobs"].values():
        assert "env" not in job
        for step in job["steps"]:
            env = step.get("env", {})
            if env:
                assert step["run"].split()[:2] in (["tidings", "publish"], ["tidings", "plan"]) or (
                    step["run"] == "tidings metrics --push"
                )
                assert env == {n: f"${{{{ secrets.{n} }}}}" for n in declared_credentials()}


def test_publish_is_scheduled_off_the_hour_one_run_at_a_time() -> None:
    workflow = load(WORKFLOWS / "publish.yml")
    assert triggers(workflow) == {"schedule", "push", "workflow_dispatch"}
    (cron,) = [entry["cron"] for entry in workflow["on"]["schedule"]]
    minutes = [int(m) for m in cron.split()[0].split(",")]
    assert len(minutes) == 4 and 0 not in minutes and cron.split()[1:] == ["*"] * 4
    assert workflow["on"]["push"]["branches"] == ["main"]
    dry_run = workflow["on"]["workflow_dispatch"]["inputs"]["dry_run"]
    assert dry_run["type"] == "boolean" and dry_run["default"] is False
    assert workflow["concurrency"] == {"group": "publish", "cancel-in-progress": False}
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "write"}
    runs = {s["run"]: s.get("if", "") for s in job["steps"] if "run" in s}
    assert runs["tidings publish --push"] == "${{ !inputs.dry_run }}"
    assert runs["tidings plan"] == "${{ inputs.dry_run }}"


def test_metrics_is_daily_in_the_publish_concurrency_group() -> None:
    workflow = load(WORKFLOWS / "metrics.yml")
    (cron,) = [entry["cron"] for entry in workflow["on"]["schedule"]]
    assert cron.split()[2:] == ["*", "*", "*"] and cron.split()[0] != "0"
    assert workflow["concurrency"] == load(WORKFLOWS / "publish.yml")["concurrency"]
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "write"}
    assert "tidings metrics --push" in [s.get("run") for s in job["steps"]]


def test_pages_builds_and_deploys_the_site_on_push_to_main() -> None:
    workflow = load(WORKFLOWS / "pages.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    runs = [s["run"] for s in steps(workflow) if "run" in s]
    assert runs[-2:] == [
        "tidings site build --out build/site",
        "tidings site deploy --dir build/site --branch gh-pages",
    ]


def test_preview_cleanup_removes_the_prefix_of_the_closed_pull_request() -> None:
    workflow = load(WORKFLOWS / "preview-cleanup.yml")
    assert workflow["on"] == {"pull_request": {"types": ["closed"]}}
    (job,) = workflow["jobs"].values()
    checkout = job["steps"][0]
    assert checkout["with"]["ref"] == "${{ github.event.repository.default_branch }}"
    remove = job["steps"][-1]
    assert remove["run"] == 'tidings site deploy --branch gh-pages --prefix "pr-$PR" --remove'
    assert remove["env"] == {"PR": "${{ github.event.pull_request.number }}"}


def test_brand_is_owned_by_codeowners() -> None:
    owners = (ROOT / ".github" / "CODEOWNERS").read_text(encoding="utf-8")
    assert any(line.split()[:1] == ["/brand/"] for line in owners.splitlines())
