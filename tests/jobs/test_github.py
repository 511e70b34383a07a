"""`tidings github`: one review comment per pull request, updated in place; the pull request
of a workflow run found from GitHub's own data; the token never in output.

Unit tests hand the core functions an ``httpx.MockTransport`` over the fake API; the CLI
tests run the real ``tidings`` executable against the same fake served on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from peers.github import BOT, TOKEN, FakeGitHub, serve

from tidings.errors import GitHubError, UsageError
from tidings.jobs.github import (
    MARKER,
    MAX_BODY,
    GitHubEnv,
    PullRequest,
    comment_body,
    find_pull_request,
    preview_url,
    upsert_comment,
    validate_pr,
)

REPO = "lumengrain/brand"
TIDINGS = str(Path(sys.executable).parent / "tidings")


def client_for(fake: FakeGitHub, token: str = TOKEN) -> httpx.Client:
    env = GitHubEnv(fake.base_url, fake.repository, token)
    return env.client(fake.transport())


def test_first_call_creates_second_updates_the_same_comment() -> None:
    fake = FakeGitHub()
    fake.add_comment(7, "Looks good to me", login="alice")
    with client_for(fake) as client:
        first = upsert_comment(client, REPO, 7, f"{MARKER}\n## 1 post changed\n")
        second = upsert_comment(client, REPO, 7, f"{MARKER}\n## 2 posts changed\n")
        third = upsert_comment(client, REPO, 7, f"{MARKER}\n## 2 posts changed\n")
    assert (first.action, second.action, third.action) == ("created", "updated", "unchanged")
    assert first.comment_id == second.comment_id == third.comment_id
    ours = [c for c in fake.comments[7] if c["user"]["login"] == BOT]
    assert len(ours) == 1 and len(fake.comments[7]) == 2
    assert ours[0]["body"] == f"{MARKER}\n## 2 posts changed\n"
    assert [r.method for r in fake.requests] == ["GET", "POST", "GET", "PATCH", "GET"]


def test_a_marker_in_someone_elses_comment_is_not_ours_to_edit() -> None:
    fake = FakeGitHub()
    fake.add_comment(7, f"{MARKER} copied by a person", login="mallory")
    with client_for(fake) as client:
        result = upsert_comment(client, REPO, 7, "review")
    assert result.action == "created"
    assert fake.comments[7][0]["body"] == f"{MARKER} copied by a person"


def test_the_comment_is_found_beyond_the_first_page() -> None:
    fake = FakeGitHub(per_page_cap=3)
    for n in range(7):
        fake.add_comment(9, f"chatter {n}", login="bob")
    target = fake.add_comment(9, f"{MARKER}\nold", login=BOT)
    with client_for(fake) as client:
        result = upsert_comment(client, REPO, 9, "new")
    assert (result.action, result.comment_id) == ("updated", target["id"])
    assert [r.query.get("page") for r in fake.requests if r.method == "GET"] == [None, "2", "3"]


def test_mentions_and_issue_references_never_notify_anyone() -> None:
    text = "Thanks @lumengrain and @Some-One! Fixes #12, see https://photog.social/@lg/3#4 a@b.c &#8203;"
    body = comment_body(text)
    assert "@\u200blumengrain" in body and "@\u200bSome-One" in body and "#\u200b12" in body
    assert "https://photog.social/@lg/3#4" in body and "a@b.c" in body and "&#8203;" in body


def test_the_body_is_data_with_one_marker_and_cut_to_size() -> None:
    text = f"{MARKER}\nintro {MARKER} and <!-- tidings-review -->\n" + "x" * (2 * MAX_BODY)
    body = comment_body(text)
    assert body.count(MARKER) == 1 and body.startswith(MARKER + "\n")
    assert len(body) == MAX_BODY
    assert body.endswith("artifact)*\n")
    assert comment_body("plain") == f"{MARKER}\nplain"


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "42; rm -rf /", "", "4294967296", True, None])
def test_pull_request_numbers_are_validated(value: object) -> None:
    with pytest.raises(UsageError):
        validate_pr(value)


def test_valid_pull_request_numbers() -> None:
    assert validate_pr("42") == 42 and validate_pr(7) == 7


def test_errors_name_the_request_and_never_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    fake = FakeGitHub()
    with client_for(fake, token="wrong-token-value") as client, pytest.raises(GitHubError) as err:
        upsert_comment(client, REPO, 7, "x")
    assert "401 Bad credentials" in err.value.message and "issues/7/comments" in err.value.message
    assert "pull-requests: write" in (err.value.hint or "")

    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {request.url} with {TOKEN}")

    env = GitHubEnv("http://github.test", REPO, TOKEN)
    with env.client(httpx.MockTransport(unreachable)) as client, pytest.raises(GitHubError) as err:
        upsert_comment(client, REPO, 7, "x")
    assert TOKEN not in str(err.value) and "could not be reached" in err.value.message


def test_environment_is_checked_before_any_request() -> None:
    with pytest.raises(UsageError, match="GITHUB_REPOSITORY"):
        GitHubEnv.from_env({"GITHUB_TOKEN": "t"})
    with pytest.raises(UsageError, match="GITHUB_REPOSITORY"):
        GitHubEnv.from_env({"GITHUB_REPOSITORY": "a/b/../c", "GITHUB_TOKEN": "t"})
    with pytest.raises(UsageError, match="GITHUB_TOKEN"):
        GitHubEnv.from_env({"GITHUB_REPOSITORY": REPO})
    env = GitHubEnv.from_env({"GITHUB_REPOSITORY": REPO, "GITHUB_TOKEN": "t"})
    assert env.api_url == "https://api.github.com"


# ------------------------------------------------------------------ which pull request


def pr_event(number: int, head_repo: str, sha: str = "a" * 40) -> dict[str, Any]:
    return {
        "repository": {"full_name": REPO},
        "pull_request": {"number": number, "head": {"sha": sha, "repo": {"full_name": head_repo}}},
    }


def run_event(head_repo: str, pulls: list[dict[str, Any]], sha: str = "b" * 40) -> dict[str, Any]:
    return {
        "repository": {"full_name": REPO},
        "workflow_run": {
            "event": "pull_request",
            "head_sha": sha,
            "head_branch": "new-post",
            "head_repository": {"full_name": head_repo},
            "pull_requests": pulls,
        },
    }


def fake_pull(number: int, owner: str, sha: str, state: str = "open") -> dict[str, Any]:
    return {
        "number": number,
        "state": state,
        "head": {
            "sha": sha,
            "ref": "new-post",
            "repo": {"full_name": f"{owner}/brand", "owner": {"login": owner}},
        },
    }


def test_pull_request_event_same_repository_and_fork() -> None:
    assert find_pull_request(pr_event(4, REPO)) == PullRequest(4, True, "a" * 40)
    assert find_pull_request(pr_event(5, "mallory/brand")) == PullRequest(5, False, "a" * 40)
    with pytest.raises(UsageError):
        find_pull_request(pr_event(0, REPO))


def test_workflow_run_of_a_branch_uses_the_events_own_list() -> None:
    event = run_event(REPO, [{"number": 12, "head": {"sha": "b" * 40}}])
    assert find_pull_request(event) == PullRequest(12, True, "b" * 40)


def test_workflow_run_of_a_fork_asks_the_api_and_checks_the_commit() -> None:
    fake = FakeGitHub()
    fake.pulls = [
        fake_pull(30, "mallory", "c" * 40, state="closed"),
        fake_pull(31, "mallory", "b" * 40),
        fake_pull(32, "eve", "b" * 40),
    ]
    with client_for(fake) as client:
        assert find_pull_request(run_event("mallory/brand", []), client) == PullRequest(
            31, False, "b" * 40
        )
        moved_on = run_event("mallory/brand", [], sha="d" * 40)
        assert find_pull_request(moved_on, client) is None
    (request,) = [r for r in fake.requests if r.path.endswith("/pulls")][:1]
    assert request.query["head"] == "mallory:new-post" and request.query["state"] == "open"


def test_workflow_run_of_a_push_is_no_pull_request() -> None:
    event = run_event(REPO, [])
    event["workflow_run"]["event"] = "push"
    assert find_pull_request(event) is None


def test_preview_url_only_for_same_repository_pull_requests() -> None:
    site = "https://lumengrain.github.io/tidings/"
    assert preview_url(site, PullRequest(4, True, "")) == site + "pr-4/"
    assert preview_url(site, PullRequest(4, False, "")) == ""
    assert preview_url(None, PullRequest(4, True, "")) == ""
    assert preview_url("javascript:alert(1)", PullRequest(4, True, "")) == ""


# ------------------------------------------------------------------ the real CLI


def run(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TIDINGS, *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cli_comment_twice_updates_one_comment_and_never_prints_the_token(
    make_workspace: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_workspace()
    review = tmp_path / "review.md"
    fake = FakeGitHub()
    with serve(fake) as api:
        env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": api}
        outputs = []
        for text in ("## Review\n\none post", "## Review\n\ntwo posts"):
            review.write_text(f"{MARKER}\n{text}\n")
            proc = run(root, "github", "comment", "--pr", "7", "--body-file", str(review), env=env)
            assert proc.returncode == 0, proc.stderr
            outputs.append(proc.stdout + proc.stderr)
        assert outputs[0].startswith("created comment") and outputs[1].startswith("updated comment")
        (comment,) = fake.comments[7]
        assert comment["body"] == f"{MARKER}\n## Review\n\ntwo posts\n"

        bad = run(
            root,
            "github",
            "comment",
            "--pr",
            "7",
            "--body-file",
            str(review),
            env={**env, "GITHUB_TOKEN": TOKEN[::-1]},
        )
        assert bad.returncode == 1 and "401" in bad.stderr
        outputs.append(bad.stdout + bad.stderr)
        refused = run(
            root, "github", "comment", "--pr", "7; echo", "--body-file", str(review), env=env
        )
        assert refused.returncode == 2 and "not a pull request number" in refused.stderr
    for output in outputs:
        assert TOKEN not in output and TOKEN[::-1] not in output
    assert all(r.authorization.startswith("Bearer ") for r in fake.requests)


def test_cli_pr_writes_step_outputs(make_workspace: Callable[..., Path], tmp_path: Path) -> None:
    root = make_workspace()
    site_url = "https://lumengrain.github.io/tidings/"
    settings = root / "tidings.yaml"
    settings.write_text(settings.read_text() + f"site:\n  url: {site_url}\n")
    event = tmp_path / "event.json"
    outputs = tmp_path / "github_output"
    fake = FakeGitHub()
    fake.pulls = [fake_pull(31, "mallory", "b" * 40), fake_pull(4, "lumengrain", "a" * 40)]
    with serve(fake) as api:
        env = {
            "GITHUB_TOKEN": TOKEN,
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_API_URL": api,
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_OUTPUT": str(outputs),
        }
        event.write_text(json.dumps(pr_event(4, REPO)))
        proc = run(root, "github", "pr", env=env)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines() == [
            "number=4",
            "same-repo=true",
            f"preview-url={site_url}pr-4/",
            "open=true",
        ]
        event.write_text(json.dumps(run_event("mallory/brand", [])))
        assert run(root, "github", "pr", env=env).returncode == 0
        event.write_text(json.dumps(run_event("mallory/brand", [], sha="e" * 40)))
        assert run(root, "github", "pr", env=env).returncode == 0
    assert outputs.read_text().splitlines() == [
        "number=4",
        "same-repo=true",
        f"preview-url={site_url}pr-4/",
        "open=true",
        "number=31",
        "same-repo=false",
        "preview-url=",
        "open=true",
        "number=",
        "same-repo=false",
        "preview-url=",
        "open=",
    ]


def test_cli_pr_says_a_closed_pull_request_is_closed_at_the_time_it_asks(
    make_workspace: Callable[..., Path], tmp_path: Path
) -> None:
    """preview.yml deploys ``pr-N/`` only while GitHub says the pull request is open: the
    event's own list is a snapshot from when the check run started, so GitHub is asked."""
    root = make_workspace()
    event = tmp_path / "event.json"
    event.write_text(json.dumps(run_event(REPO, [{"number": 12, "head": {"sha": "b" * 40}}])))
    fake = FakeGitHub()
    fake.pulls = [fake_pull(12, "lumengrain", "b" * 40, state="closed")]
    with serve(fake) as api:
        env = {"GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": api, "GITHUB_EVENT_PATH": str(event)}
        closed = run(root, "github", "pr", env={**env, "GITHUB_TOKEN": TOKEN})
        assert closed.returncode == 0, closed.stderr
        assert "number=12" in closed.stdout.splitlines()
        assert "open=false" in closed.stdout.splitlines()
        fake.pulls[0]["state"] = "open"
        reopened = run(root, "github", "pr", env={**env, "GITHUB_TOKEN": TOKEN})
        assert "open=true" in reopened.stdout.splitlines()
        # without a token nobody can tell: neither deployed nor removed
        unknown = run(root, "github", "pr", env={**env, "GITHUB_TOKEN": ""})
        assert "open=" in unknown.stdout.splitlines()
        fake.pulls.clear()  # GitHub does not know it (deleted, or a wrong number): not open
        gone = run(root, "github", "pr", env={**env, "GITHUB_TOKEN": TOKEN})
        assert gone.returncode == 1 and TOKEN not in gone.stdout + gone.stderr
    assert [r.path for r in fake.requests].count(f"/repos/{REPO}/pulls/12") == 3
