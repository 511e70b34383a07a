"""`tidings audit` against a real Mastodon server (mastodon-mock), a real Bluesky PDS with the
AppView fake in front of it, and a real bare git remote: a profile whose bio differs from
brand.yaml is reported as exactly that difference; a second run the same day adds nothing; a
failing channel fails only itself; no secret reaches the output or the file."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from builders import workspaces
from builders.remotes import git, remote_file, remote_log
from click.testing import CliRunner
from peers.appview import AppView
from peers.bluesky import Account, BlueskyPDS
from peers.mastodon import MastodonServer
from PIL import Image as PILImage

from tidings.cli.main import cli
from tidings.jobs.audit import Options, audit
from tidings.metrics.audit import parse_audit
from tidings.workspace.validation import validator

BIO = "Portraits and weddings in Leipzig. Two people, one studio."
LINK = "https://lumengrain.example"
NAME = "Test Studio"

BRAND = f"""name: {NAME}
timezone: Europe/Berlin
website: {LINK}
profile:
  bio: "{BIO}"
  bios:
    bluesky: "{BIO} {LINK}"  # Bluesky has no link field: the link is in the bio
cadence:
  min_per_week: 2
"""

CHANNELS = """channels:
  mastodon:
    platform: mastodon
    credentials:
      base_url: MASTODON_BASE_URL
      access_token: MASTODON_ACCESS_TOKEN
  bluesky:
    platform: bluesky
    credentials:
      handle: BLUESKY_HANDLE
      app_password: BLUESKY_APP_PASSWORD
      appview: BLUESKY_APPVIEW
  outbox:
    platform: outbox
"""

NOW = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
FILE = "audits/2027-01-15.yaml"


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (width, height), (200, 120, 40)).save(out, "PNG")
    return out.getvalue()


def set_mastodon_profile(server: MastodonServer, note: str) -> None:
    """The brand's profile on mastodon-mock, through its own update_credentials API."""
    response = httpx.patch(
        f"{server.base_url}/api/v1/accounts/update_credentials",
        headers={"Authorization": f"Bearer {server.token}"},
        data={
            "display_name": NAME,
            "note": note,
            "fields_attributes[0][name]": "Website",
            "fields_attributes[0][value]": LINK,
        },
        files={
            "avatar": ("avatar.png", png(400, 400), "image/png"),
            "header": ("header.png", png(1500, 500), "image/png"),
        },
        timeout=10.0,
    )
    response.raise_for_status()


@pytest.fixture
def appview(pds: BlueskyPDS) -> Any:
    server = AppView(pds.url).start()
    try:
        yield server
    finally:
        server.stop()


def set_bluesky_profile(pds: BlueskyPDS, account: Account, description: str) -> None:
    session = pds.xrpc(
        "POST",
        "com.atproto.server.createSession",
        json={"identifier": account.handle, "password": account.password},
    )
    token = session["accessJwt"]
    blobs = {}
    for key, (w, h) in {"avatar": (400, 400), "banner": (1500, 500)}.items():
        response = httpx.post(
            f"{pds.url}/xrpc/com.atproto.repo.uploadBlob",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "image/png"},
            content=png(w, h),
            timeout=10.0,
        )
        response.raise_for_status()
        blobs[key] = response.json()["blob"]
    record = {
        "$type": "app.bsky.actor.profile",
        "displayName": NAME,
        "description": description,
        **blobs,
    }
    pds.xrpc(
        "POST",
        "com.atproto.repo.putRecord",
        token=token,
        json={
            "repo": account.did,
            "collection": "app.bsky.actor.profile",
            "rkey": "self",
            "record": record,
        },
    )


def setup(
    tmp_path: Path, mastodon: MastodonServer, account: Account, view: AppView
) -> tuple[Path, Path, dict[str, str]]:
    remote, work = workspaces.published(
        tmp_path, {"brand/brand.yaml": BRAND, "brand/channels.yaml": CHANNELS}
    )
    env = {
        "MASTODON_BASE_URL": mastodon.base_url,
        "MASTODON_ACCESS_TOKEN": mastodon.token,
        "BLUESKY_HANDLE": account.handle,
        "BLUESKY_APP_PASSWORD": account.password,
        "BLUESKY_APPVIEW": view.url,
    }
    return remote, work, env


def test_a_bio_that_differs_is_reported_as_exactly_that_and_a_second_run_adds_nothing(
    tmp_path: Path,
    mastodon: MastodonServer,
    pds: BlueskyPDS,
    bluesky_account: Account,
    appview: AppView,
) -> None:
    set_mastodon_profile(mastodon, "We take photos. Sometimes.")
    set_bluesky_profile(pds, bluesky_account, f"{BIO} {LINK}")
    remote, work, env = setup(tmp_path, mastodon, bluesky_account, appview)

    report = audit(work, Options(now=NOW, push=True, env=env))

    assert report.ok and report.committed and report.pushed
    text = remote_file(remote, f"metrics/{FILE}")
    assert text is not None
    data = yaml.safe_load(text)
    assert list(validator("audit").iter_errors(data)) == []
    masto = data["channels"]["mastodon"]
    assert masto["state"] == "ok"
    # mastodon-mock keeps its generated placeholder images whatever is uploaded (its
    # update_credentials checks uploads against FastAPI's UploadFile, which Starlette's form
    # never returns), and a placeholder is no image: those two findings are the mock's
    text_findings = [f for f in masto["findings"] if f["field"] not in ("avatar", "banner")]
    assert [f["message"] for f in masto["findings"] if f not in text_findings] == [
        "the profile has no avatar",
        "the profile has no banner",
    ]
    assert text_findings == [
        {
            "field": "bio",
            "kind": "mismatch",
            "message": "the bio differs from brand.yaml's",
            "expected": BIO,
            "found": "We take photos. Sometimes.",
        }
    ]
    assert LINK in masto["profile"]["links"]
    # the real PDS, read through the AppView: nothing differs there
    sky = data["channels"]["bluesky"]
    assert sky["state"] == "ok", sky
    assert sky["findings"] == []
    assert sky["profile"]["display_name"] == NAME
    assert (sky["profile"]["avatar"]["width"], sky["profile"]["avatar"]["height"]) == (400, 400)
    assert data["channels"]["outbox"]["state"] == "skipped"
    # no post in the ledger: nothing published, inactive, below the cadence
    assert masto["cadence"] == {
        "days": 90,
        "published": 0,
        "per_week": 0.0,
        "target_per_week": 2,
        "status": "below",
    }
    assert masto["inactive"] is True and masto["last_post"] is None

    commits = remote_log(remote)
    again = audit(work, Options(now=NOW.replace(hour=17), push=True, env=env))
    assert again.ok and not again.written and not again.committed
    assert remote_log(remote) == commits
    assert remote_file(remote, f"metrics/{FILE}") == text
    assert git(work, "status", "--porcelain") == ""


def test_a_failing_channel_fails_only_itself_and_no_secret_is_shown(
    tmp_path: Path,
    mastodon: MastodonServer,
    pds: BlueskyPDS,
    bluesky_account: Account,
    appview: AppView,
) -> None:
    set_bluesky_profile(pds, bluesky_account, BIO)
    _, work, env = setup(tmp_path, mastodon, bluesky_account, appview)
    mastodon.fault(
        "/api/v1/accounts/verify_credentials",
        methods=("GET",),
        status=401,
        body={"error": f"The access token {mastodon.token} is invalid"},
        count=None,
    )

    result = CliRunner().invoke(
        cli, ["--root", str(work), "audit", "--now", "2027-01-15 09:00"], env=env
    )

    assert result.exit_code == 1, result.output
    assert mastodon.token not in result.output
    assert "Traceback" not in result.output
    data = yaml.safe_load((work / "metrics" / FILE).read_text())
    assert data["channels"]["mastodon"]["state"] == "failed"
    assert mastodon.token not in (work / "metrics" / FILE).read_text()
    assert data["channels"]["bluesky"]["state"] == "ok"
    fields = [f["field"] for f in data["channels"]["bluesky"]["findings"]]
    assert fields == ["bio", "link"]


def test_a_channel_without_credentials_is_skipped_and_still_audited(tmp_path: Path) -> None:
    _, work = workspaces.published(
        tmp_path, {"brand/brand.yaml": BRAND, "brand/channels.yaml": CHANNELS}
    )
    report = audit(work, Options(now=NOW, commit=False, env={}))
    assert report.ok and report.written
    assert report.audit is not None
    masto = report.audit.channels["mastodon"]
    assert masto.state == "skipped" and "MASTODON_BASE_URL" in (masto.error or "")
    assert masto.cadence.status == "below"
    text = (work / "metrics" / FILE).read_text()
    assert parse_audit(text, FILE).channels["mastodon"] == masto
