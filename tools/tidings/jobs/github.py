"""What the workflows need from GitHub's REST API, and nothing more.

Three jobs, all for the review flow (see ``.github/workflows/preview.yml``):

- ``find_pull_request`` says which pull request a workflow run belongs to, from GitHub's
  own event data (and, for a fork's ``workflow_run``, GitHub's API), never from anything
  the pull request's code produced. The number is validated before anyone uses it.
- ``is_open`` asks GitHub whether that pull request is still open, at the moment of asking
  (the event is a snapshot of when the check run started): a closed pull request's preview
  is removed, never deployed again.
- ``upsert_comment`` keeps ONE review comment per pull request: it finds the comment that
  holds the hidden marker and was written by the workflow's own account, and edits it, or
  else creates it. The body is data: it is sent as JSON, any marker inside it is removed
  (so text from a pull request cannot hijack another comment), ``@name`` mentions and
  ``#123`` references are defused with a zero-width space (a post's text mentioning
  ``@someone`` must not notify a GitHub user of that name, and a fork's pull request must
  not make the bot ping people or issues), and it is cut to GitHub's size limit.

The token comes from ``GITHUB_TOKEN`` and travels only in the ``Authorization`` header. It
never appears in output or errors: messages carry method, path and GitHub's own words,
passed through ``redact``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from tidings.errors import GitHubError, UsageError
from tidings.redaction import redact

if TYPE_CHECKING:  # httpx is imported when a request is made: every command starts faster
    import httpx

MARKER = "<!-- tidings-review -->"
BOT = "github-actions[bot]"  # who GITHUB_TOKEN writes as
MAX_BODY = 65536  # characters GitHub accepts in a comment
MAX_PR = 2**31 - 1
API_VERSION = "2022-11-28"
_REPOSITORY = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$")
_MENTION = re.compile(r"(?<![\w@/])@(?=[A-Za-z0-9])")
_REFERENCE = re.compile(r"(?<![\w&/])#(?=[0-9])")
_ZWSP = "\u200b"
_TRUNCATED = (
    "\n\n*(cut to GitHub's comment size: the full review is in the check run's artifact)*\n"
)


@dataclass(frozen=True)
class GitHubEnv:
    """Where the API is, which repository, and the token (from the workflow's env)."""

    api_url: str
    repository: str
    token: str

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, need_token: bool = True) -> GitHubEnv:
        repository = env.get("GITHUB_REPOSITORY", "")
        if not _REPOSITORY.match(repository):
            raise UsageError(
                "GITHUB_REPOSITORY is not set to owner/name",
                "run this in GitHub Actions, or set GITHUB_REPOSITORY=owner/name",
            )
        token = env.get("GITHUB_TOKEN", "")
        if need_token and not token:
            raise UsageError(
                "GITHUB_TOKEN is not set",
                "pass it to the step: env: {GITHUB_TOKEN: ${{ github.token }}}",
            )
        api_url = env.get("GITHUB_API_URL") or "https://api.github.com"
        if not re.match(r"^https?://", api_url):
            raise UsageError(f"GITHUB_API_URL is not an http(s) URL: {api_url!r}")
        return cls(api_url.rstrip("/"), repository, token)

    def client(self, transport: httpx.BaseTransport | None = None) -> httpx.Client:
        import httpx

        return httpx.Client(
            base_url=self.api_url,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": "tidings",
            },
            timeout=30.0,
            transport=transport,
        )


def validate_pr(value: object) -> int:
    """A pull request number, or a UsageError: a positive integer, nothing else."""
    if isinstance(value, bool):
        raise UsageError(f"not a pull request number: {value!r}")
    if isinstance(value, str) and re.fullmatch(r"[1-9][0-9]{0,9}", value.strip()):
        value = int(value)
    if not isinstance(value, int) or not 1 <= value <= MAX_PR:
        raise UsageError(f"not a pull request number: {value!r}", "a positive whole number")
    return value


def _call(client: httpx.Client, method: str, path: str, **kw: Any) -> httpx.Response:
    import httpx

    try:
        response = client.request(method, path, **kw)
    except httpx.HTTPError as exc:
        raise GitHubError(
            redact(f"{method} {path}: GitHub could not be reached ({type(exc).__name__})"),
            "try again; GitHub may be having an outage",
        ) from None
    if response.status_code >= 400:
        try:
            said = str(response.json().get("message", ""))
        except ValueError:
            said = response.text[:200]
        hint = None
        if response.status_code in (401, 403, 404):
            hint = "the token needs pull-requests: write (see the workflow's permissions)"
        raise GitHubError(
            redact(f"{method} {path}: GitHub answered {response.status_code} {said}".strip()),
            hint,
        )
    return response


def _pages(client: httpx.Client, path: str, **params: Any) -> Iterator[dict[str, Any]]:
    """Every item of a paginated list, following GitHub's ``Link: rel="next"``."""
    url: str | None = path
    query: dict[str, Any] | None = {"per_page": 100, **params}
    while url:
        response = _call(client, "GET", url, params=query)
        items = response.json()
        if not isinstance(items, list):
            raise GitHubError(f"GET {path}: GitHub answered something that is not a list")
        yield from (item for item in items if isinstance(item, dict))
        url = response.links.get("next", {}).get("url")
        query = None  # the next link carries its own query
        if url and not url.startswith(str(client.base_url).rstrip("/")):
            raise GitHubError(f"GET {path}: the next page points away from the API: {url}")


# ------------------------------------------------------------------ the comment


def comment_body(text: str, marker: str = MARKER) -> str:
    """The comment exactly as sent: the marker first, once, then the text with mentions and
    issue references defused, cut to size."""
    text = text.replace(marker, "").lstrip("\n")
    text = _REFERENCE.sub("#" + _ZWSP, _MENTION.sub("@" + _ZWSP, text))
    body = f"{marker}\n{text}"
    if len(body) > MAX_BODY:
        body = body[: MAX_BODY - len(_TRUNCATED)] + _TRUNCATED
    return body


@dataclass(frozen=True)
class CommentResult:
    action: Literal["created", "updated", "unchanged"]
    comment_id: int
    url: str


def find_comment(
    client: httpx.Client, repository: str, pr: int, marker: str = MARKER, author: str = BOT
) -> dict[str, Any] | None:
    """The oldest comment on the pull request holding ``marker``, written by ``author``."""
    for comment in _pages(client, f"/repos/{repository}/issues/{pr}/comments"):
        login = (comment.get("user") or {}).get("login")
        if login == author and marker in str(comment.get("body") or ""):
            return comment
    return None


def upsert_comment(
    client: httpx.Client,
    repository: str,
    pr: int,
    text: str,
    *,
    marker: str = MARKER,
    author: str = BOT,
) -> CommentResult:
    """Create the pull request's one review comment, or edit it in place."""
    pr = validate_pr(pr)
    body = comment_body(text, marker)
    existing = find_comment(client, repository, pr, marker, author)
    if existing is not None:
        cid = int(existing["id"])
        if existing.get("body") == body:
            return CommentResult("unchanged", cid, str(existing.get("html_url", "")))
        response = _call(
            client, "PATCH", f"/repos/{repository}/issues/comments/{cid}", json={"body": body}
        )
        return CommentResult("updated", cid, str(response.json().get("html_url", "")))
    response = _call(
        client, "POST", f"/repos/{repository}/issues/{pr}/comments", json={"body": body}
    )
    data = response.json()
    return CommentResult("created", int(data["id"]), str(data.get("html_url", "")))


# ------------------------------------------------------------------ which pull request


@dataclass(frozen=True)
class PullRequest:
    number: int
    same_repo: bool  # its branch is in this repository (not a fork): it may get a preview
    head_sha: str


def _full_name(repo: object) -> str | None:
    name = repo.get("full_name") if isinstance(repo, dict) else None
    return name if isinstance(name, str) else None


def find_pull_request(
    event: Mapping[str, Any], client: httpx.Client | None = None
) -> PullRequest | None:
    """The pull request of a ``pull_request`` or ``workflow_run`` event, or None.

    For ``workflow_run`` (the preview workflow) the number comes from the event's
    ``pull_requests`` (same-repository pull requests only), else from the API: the open
    pull requests whose head is the run's repository and branch and whose head commit is
    the run's commit. A pull request that has moved on to a newer commit gives None: the
    newer commit's own run will comment.
    """
    this_repo = _full_name(event.get("repository"))
    if isinstance(event.get("pull_request"), dict):
        pull = event["pull_request"]
        head = pull.get("head") or {}
        head_repo = _full_name(head.get("repo"))
        same = head_repo is not None and head_repo == this_repo
        return PullRequest(validate_pr(pull.get("number")), same, str(head.get("sha", "")))
    run = event.get("workflow_run")
    if not isinstance(run, dict):
        raise UsageError(
            "the event is neither a pull_request nor a workflow_run",
            "use this in the check or preview workflow",
        )
    if run.get("event") != "pull_request":
        return None
    head_sha = str(run.get("head_sha", ""))
    head_repo = _full_name(run.get("head_repository"))
    same_repo = head_repo is not None and head_repo == this_repo
    for pull in run.get("pull_requests") or []:
        if isinstance(pull, dict) and (pull.get("head") or {}).get("sha") == head_sha:
            return PullRequest(validate_pr(pull.get("number")), same_repo, head_sha)
    if client is None or this_repo is None or head_repo is None:
        return None
    owner = head_repo.split("/")[0]
    for pull in _pages(
        client, f"/repos/{this_repo}/pulls", state="open", head=f"{owner}:{run.get('head_branch')}"
    ):
        head = pull.get("head") or {}
        if head.get("sha") == head_sha and _full_name(head.get("repo")) == head_repo:
            return PullRequest(validate_pr(pull.get("number")), same_repo, head_sha)
    return None


def is_open(client: httpx.Client, repository: str, number: int) -> bool:
    """Whether GitHub says pull request ``number`` of ``repository`` is open right now."""
    data = _call(client, "GET", f"/repos/{repository}/pulls/{validate_pr(number)}").json()
    if not isinstance(data, dict) or data.get("state") not in ("open", "closed"):
        raise GitHubError(f"GET /repos/{repository}/pulls/{number}: no state in GitHub's answer")
    return bool(data["state"] == "open")


def preview_url(site_url: str | None, pull: PullRequest) -> str:
    """Where a pull request's preview is served: ``<site url>pr-<N>/``, for same-repository
    pull requests when the site's address is known; else empty (no preview is deployed)."""
    if not pull.same_repo or not site_url or not re.match(r"^https?://", site_url):
        return ""
    return f"{site_url.rstrip('/')}/pr-{pull.number}/"
