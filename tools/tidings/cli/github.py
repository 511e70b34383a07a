"""`tidings github pr` and `tidings github comment`: the review flow's GitHub steps."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from tidings.cli.context import Context
from tidings.errors import UsageError
from tidings.jobs.github import (
    BOT,
    MARKER,
    GitHubEnv,
    find_pull_request,
    is_open,
    preview_url,
    upsert_comment,
    validate_pr,
)
from tidings.workspace.loader import Collector, load_settings

MAX_FILE = 1_000_000  # bytes of a body file read; the comment is cut to GitHub's limit anyway


@click.group("github")
def command() -> None:
    """The GitHub steps of the review workflows (GitHub's REST API with GITHUB_TOKEN).

    \b
    Examples:
      tidings github pr
      tidings github comment --pr 42 --body-file review.md
    """


@command.command("pr")
@click.option(
    "--event",
    "event_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The event payload (default: $GITHUB_EVENT_PATH).",
)
@click.pass_obj
def pr(obj: Context, event_path: Path | None) -> None:
    """Say which pull request this workflow run is for, from GitHub's own data.

    Reads a pull_request or workflow_run event. For a workflow_run of a fork's pull
    request, asks GitHub's API (GITHUB_TOKEN, GITHUB_REPOSITORY) which open pull request
    has the run's branch and commit; nothing produced by the pull request's code is used.
    Prints and, in GitHub Actions, writes to $GITHUB_OUTPUT: number (empty when there is
    none), same-repo (true for a branch of this repository, false for a fork),
    preview-url (site.url in tidings.yaml + pr-N/, empty for a fork) and open (true or
    false as GitHub says now, with GITHUB_TOKEN; empty without one: a workflow deploys a
    preview only when it is true and removes it when it is false).

    \b
    Examples:
      tidings github pr
      tidings github pr --event event.json
    """
    env = dict(os.environ)
    path = event_path or (Path(env["GITHUB_EVENT_PATH"]) if env.get("GITHUB_EVENT_PATH") else None)
    if path is None:
        raise UsageError("no event: pass --event or set GITHUB_EVENT_PATH")
    try:
        event = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read the event {path}: {exc}") from None
    if not isinstance(event, dict):
        raise UsageError(f"the event {path} is not a JSON object")
    outputs = {"number": "", "same-repo": "false", "preview-url": "", "open": ""}
    if env.get("GITHUB_TOKEN"):
        gh = GitHubEnv.from_env(env)
        with gh.client() as client:
            pull = find_pull_request(event, client)
            state = "" if pull is None else str(is_open(client, gh.repository, pull.number))
    else:
        pull, state = find_pull_request(event), ""
    if pull is not None:
        site_url = load_settings(obj.root, Collector()).site_url
        outputs = {
            "number": str(pull.number),
            "same-repo": "true" if pull.same_repo else "false",
            "preview-url": preview_url(site_url, pull),
            "open": state.lower(),
        }
    lines = [f"{key}={value}" for key, value in outputs.items()]
    click.echo("\n".join(lines))
    if env.get("GITHUB_OUTPUT"):
        with open(env["GITHUB_OUTPUT"], "a", encoding="utf-8") as sink:
            sink.write("".join(f"{line}\n" for line in lines))


@command.command("comment")
@click.option("--pr", "number", required=True, metavar="N", help="The pull request's number.")
@click.option(
    "--body-file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The comment's Markdown (e.g. what tidings review printed).",
)
@click.option(
    "--marker",
    default=MARKER,
    show_default=True,
    help="The hidden text that identifies the one comment to update.",
)
@click.option(
    "--author",
    default=BOT,
    show_default=True,
    metavar="LOGIN",
    help="Only a comment by this account is updated (who GITHUB_TOKEN writes as).",
)
def comment(number: str, body_file: Path, marker: str, author: str) -> None:
    """Create the pull request's one review comment, or update it in place.

    Finds the comment by AUTHOR that holds the marker and edits it; else creates one.
    The body is treated as data: a marker inside it is removed, and it is cut to GitHub's
    65,536 characters. Needs GITHUB_TOKEN (pull-requests: write) and GITHUB_REPOSITORY;
    GITHUB_API_URL defaults to https://api.github.com. The token is never printed.

    \b
    Examples:
      tidings github comment --pr 42 --body-file review.md
      GITHUB_REPOSITORY=me/brand tidings github comment --pr 7 --body-file build/review.md
    """
    pr_number = validate_pr(number)
    if not marker.startswith("<!--") or not marker.endswith("-->"):
        raise UsageError("--marker must be an HTML comment, <!-- like this -->")
    try:
        with body_file.open("rb") as handle:
            text = handle.read(MAX_FILE).decode("utf-8", errors="replace")
    except OSError as exc:
        raise UsageError(f"cannot read {body_file}: {exc.strerror}") from None
    gh = GitHubEnv.from_env(os.environ)
    with gh.client() as client:
        result = upsert_comment(
            client, gh.repository, pr_number, text, marker=marker, author=author
        )
    click.echo(f"{result.action} comment {result.comment_id} on #{pr_number} {result.url}".rstrip())
