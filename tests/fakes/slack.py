"""A fake Slack incoming webhook, built from ../shared/platforms.md (Slack rows).

``POST /services/<team>/<bot>/<secret>`` with JSON ``{text, blocks?}`` answers ``200 ok``
(text, no id, no ``ts``). Everything else answers in Slack's plain-text error words: an
unknown webhook 404 ``no_service``, a wrong secret 403 ``invalid_token``, a body that is not
JSON 400 ``invalid_payload``, no text and no blocks 400 ``no_text``, a malformed block 400
``invalid_blocks`` (sections 1–3000 characters, images need an http(s) ``image_url`` and an
``alt_text`` of 1–2000), an archived channel 410 ``channel_is_archived``. Text over 40,000
characters is truncated, as Slack does.

Threads (api.slack.com/messaging/webhooks, and ../shared/platforms.md: the webhook body is
``{text, blocks?, thread_ts?}``): ``thread_ts`` is the time of a message in the webhook's
channel, and the message goes into that message's thread. Each message the channel holds
has its ``ts`` (``"1700000000.000100"``; :meth:`SlackFake.someone_says` adds a member's
message), and a message sent with ``thread_ts`` keeps it. Slack answers ``ok`` either way;
it never tells the webhook a ``ts``.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import httpx

from .cases import PlatformCase
from .server import Fake

HOOK = re.compile(r"^/services/(T\w+)/(B\w+)/([^/]+)$")
TEAM, BOT = "T0TIDINGS", "B0TIDINGS"
TEXT_MAX = 40_000


def _plain(status: int, words: str) -> httpx.Response:
    return httpx.Response(status, text=words, headers={"content-type": "text/html"})


class SlackFake(Fake):
    """One channel with one incoming webhook; ``messages`` holds what it posted, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.secret = "slackHookSecret" + "0" * 12 + "xyz"
        self.archived = False
        self.messages: list[dict[str, Any]] = []

    def url(self, base: str) -> str:
        return f"{base}/services/{TEAM}/{BOT}/{self.secret}"

    def someone_says(self, text: str) -> str:
        """A member's message in the channel; its ``ts``."""
        ts = self._next_ts()
        self.messages.append({"text": text, "blocks": [], "body": {}, "ts": ts, "by": "alice"})
        return ts

    def _next_ts(self) -> str:
        return f"1700000000.{len(self.messages) + 1:06d}"

    def texts(self) -> list[str]:
        """What the channel shows: each message's text with Slack's entities read."""
        return [html.unescape(m["text"]) for m in self.messages]

    def handle(self, request: httpx.Request) -> httpx.Response:
        match = HOOK.match(request.url.path)
        if not match or match.group(1) != TEAM or match.group(2) != BOT:
            return _plain(404, "no_service")
        if match.group(3) != self.secret:
            return _plain(403, "invalid_token")
        if request.method != "POST":
            return _plain(405, "invalid_method")
        if self.archived:
            return _plain(410, "channel_is_archived")
        try:
            body = json.loads(request.content)
        except ValueError:
            return _plain(400, "invalid_payload")
        if not isinstance(body, dict):
            return _plain(400, "invalid_payload")
        text = body.get("text")
        blocks = body.get("blocks")
        if not (isinstance(text, str) and text.strip()) and not blocks:
            return _plain(400, "no_text")
        if blocks is not None and not _valid_blocks(blocks):
            return _plain(400, "invalid_blocks")
        thread_ts = body.get("thread_ts")
        message = {"text": str(text or "")[:TEXT_MAX], "blocks": blocks or [], "body": body}
        message["ts"] = self._next_ts()
        if thread_ts is not None:
            message["thread_ts"] = thread_ts
        self.messages.append(message)
        return _plain(200, "ok")


def _valid_blocks(blocks: object) -> bool:
    if not isinstance(blocks, list) or not 0 < len(blocks) <= 50:
        return False
    for block in blocks:
        if not isinstance(block, dict):
            return False
        if block.get("type") == "section":
            text = block.get("text")
            if not isinstance(text, dict) or text.get("type") not in ("mrkdwn", "plain_text"):
                return False
            if not isinstance(text.get("text"), str) or not 0 < len(text["text"]) <= 3000:
                return False
        elif block.get("type") == "image":
            url, alt = block.get("image_url"), block.get("alt_text")
            if not isinstance(url, str) or not re.match(r"https?://", url):
                return False
            if not isinstance(alt, str) or not 0 < len(alt) <= 2000:
                return False
        else:
            return False
    return True


def rate_limited() -> dict[str, Any]:
    return {"status": 429, "headers": {"Retry-After": "2"}, "body": "rate_limited"}


def expired() -> dict[str, Any]:
    return {"status": 403, "body": "invalid_token"}


CASE = PlatformCase(
    platform="slack",
    credentials={"webhook_url": "SLACK_WEBHOOK_URL"},
    make=SlackFake,
    env=lambda fake, base: {"SLACK_WEBHOOK_URL": fake.url(base)},  # type: ignore[attr-defined]
    posts=lambda fake: fake.texts(),  # type: ignore[attr-defined]
    write=r"^/services/",
    rate_limited=rate_limited,
    expired=expired,
    secrets=("SLACK_WEBHOOK_URL",),
    threads=False,
    reconciles=False,
    media_base_url=True,
)
