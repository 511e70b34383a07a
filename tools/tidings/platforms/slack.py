"""Slack: each part is a message sent through an incoming webhook.

The channel's only credential is the webhook's address, ``SLACK_WEBHOOK_URL``
(``https://hooks.slack.com/services/T…/B…/…``), and the address *is* the secret: it is
used for requests only, and no message, exception, ``repr`` or ledger entry holds it.

Publishing a part is one ``POST <webhook>`` with JSON ``{text}``. Slack reads ``&``, ``<``
and ``>`` as markup (``<!channel>`` would notify everyone), so they are sent as ``&amp;``,
``&lt;`` and ``&gt;`` and the message shows the text exactly as written. Images go with
part 0 as ``image`` blocks (``image_url``, ``alt_text``) after ``section`` blocks holding
the text (at most :data:`SECTION_MAX` characters each): a webhook cannot upload files, so
Slack fetches each image from the channel's ``media_base_url``; without one the post fails
for good with a message saying so, before anything is sent. A webhook cannot reply in a
thread of its own making (it is never told the message's ``ts``), so a thread's later parts
are further messages, in order. A reply (``content/replies/``) is different: the item's
permalink names its ``ts``, and every part is sent with that ``thread_ts``, into the item's
thread (:meth:`SlackAdapter.reply_parent`).

Slack answers ``200 ok`` and nothing else: no id, no address. The ledger records the part
key as the id and no URL. For the same reason a message cannot be deleted (``can_delete``
is False: an expired post is reported once, for a person to remove by hand), and
reconciling cannot look anything up: :meth:`SlackAdapter.find_part` raises
:class:`Unknowable`, so a lost answer is recorded ``unknown`` for a person to settle with
``tidings resolve``, never sent twice. A 5xx (``rollup_error``) leaves the same doubt and
ends the same way. Slack reports no metrics to a webhook.

Errors are plain text: ``invalid_token``, ``no_service``, ``no_active_hooks`` (the webhook is
revoked or removed) stop the channel with a message naming the variable;
``invalid_payload``, ``no_text``, ``action_prohibited``, ``channel_not_found``,
``channel_is_archived`` fail the post for good; 429 is waited out (``Retry-After``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from tidings.errors import CredentialError, PlatformError
from tidings.platforms import base
from tidings.platforms.http import Caller
from tidings.workspace.model import Channel

__all__ = ["SECTION_MAX", "SlackAdapter", "blocks", "connect", "escape", "sections"]

SECTION_MAX = 3000
"""Characters a ``section`` block's text may hold."""
ALT_MAX = 2000
"""Characters an ``image`` block's ``alt_text`` may hold."""
WEBHOOK_GONE = frozenset({"invalid_token", "no_service", "no_active_hooks", "team_disabled"})


def connect(channel: Channel, env: Mapping[str, str], caller: Caller) -> SlackAdapter:
    """The adapter for a Slack channel (credential ``webhook_url``)."""
    variable = channel.credentials.get("webhook_url", "webhook_url")
    value = base.credential(channel, env, "webhook_url").strip()
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError):
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise CredentialError(
            f"{variable} is not a Slack webhook address",
            "copy it from your Slack app's Incoming Webhooks page "
            "(it looks like https://hooks.slack.com/services/T…/B…/…)",
        )
    caller.secret(value, variable)
    caller.secret(url.path, variable)  # /services/T…/B…/<token>: an answer may echo it alone
    caller.secret(url.path.rstrip("/").rsplit("/", 1)[-1], variable)
    caller.classify = _classifier(variable)
    return SlackAdapter(caller, value, variable)


class SlackAdapter(base.PlatformAdapter, platform="slack"):
    def __init__(self, caller: Caller, webhook_url: str, variable: str = "SLACK_WEBHOOK_URL"):
        self.caller = caller
        self._url = webhook_url
        self.variable = variable

    def __repr__(self) -> str:
        return f"SlackAdapter({self.variable})"

    def publish_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote:
        what = f"post part {index + 1}"
        text = out.parts[index].text
        payload: dict[str, Any] = {"text": escape(text)}
        media = out.media if index == 0 else ()
        if media:
            payload["blocks"] = blocks(text, media, what)
        if out.reply_to is not None:  # every part of a reply goes into the item's thread
            payload["thread_ts"] = out.reply_to.options["thread_ts"]
        self.caller.call(
            "POST",
            self._url,
            safe=False,  # no idempotency: a lost answer is settled by a person
            what=what,
            ok=(200,),
            json=payload,
        )
        return base.Remote(out.part_key(index), None)

    def reply_parent(self, target: base.ReplyTarget) -> base.ReplyParent:
        """The thread to answer in: ``thread_ts`` from the permalink. ``p1700000000123456``
        is the message time ``1700000000.123456``; a permalink of a message that is itself
        in a thread carries its thread's time as ``?thread_ts=``, and that is the one Slack
        threads under. Slack never tells which channel a webhook posts to, so the URL's
        channel cannot be compared with it: a message from another channel gets no thread
        (see site/writing-posts.md)."""
        ts = target.get("ts") or ""
        thread_ts = target.get("thread_ts") or f"{ts[:10]}.{ts[10:]}"
        return base.ReplyParent(
            base.Remote(thread_ts, target.url), options={"thread_ts": thread_ts}
        )

    def find_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote | None:
        raise base.Unknowable(
            f"part {index + 1}: a Slack webhook cannot read the channel, so whether it went "
            "out cannot be checked; look in the channel"
        )

    def delete(self, part: base.Remote) -> None:
        raise PlatformError(
            "a Slack webhook cannot delete messages: remove it by hand", retryable=False
        )


def escape(text: str) -> str:
    """Text Slack shows as written: its three control characters as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sections(text: str, limit: int = SECTION_MAX) -> list[str]:
    """``text`` escaped, in pieces of at most ``limit`` characters, split after a line
    break or a space where one is near, never inside an entity."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for token in _tokens(text):
        sent = escape(token)
        if size + len(sent) > limit and current:
            pieces.append("".join(current))
            current, size = [], 0
        while len(sent) > limit:  # one word longer than a section: cut between characters
            cut = _cut(token, limit)
            pieces.append(escape(token[:cut]))
            token = token[cut:]
            sent = escape(token)
        current.append(sent)
        size += len(sent)
    if current:
        pieces.append("".join(current))
    return [p for p in pieces if p.strip()] or [escape(text) or " "]


def blocks(text: str, media: Sequence[base.MediaFile], what: str) -> list[dict[str, Any]]:
    """The text as ``section`` blocks, then one ``image`` block per image (by address)."""
    missing = [m.path.name for m in media if not m.url]
    if missing:
        raise PlatformError(
            f"{what}: Slack takes images only by address and {', '.join(missing)} has none: "
            "set media_base_url on the channel in brand/channels.yaml (where the site "
            "serves media/)",
            retryable=False,
        )
    out: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": piece}}
        for piece in (sections(text) if text.strip() else [])
    ]
    for item in media:
        alt = (item.alt or item.path.name)[:ALT_MAX]
        out.append({"type": "image", "image_url": item.url, "alt_text": alt})
    return out


def _tokens(text: str) -> list[str]:
    """Words with the space or line break after them."""
    tokens: list[str] = []
    start = 0
    for n, char in enumerate(text):
        if char in " \n":
            tokens.append(text[start : n + 1])
            start = n + 1
    if start < len(text):
        tokens.append(text[start:])
    return tokens


def _cut(token: str, limit: int) -> int:
    """How many characters of ``token`` fit in ``limit`` once escaped (at least one)."""
    size = 0
    for n, char in enumerate(token):
        size += len(escape(char))
        if size > limit:
            return max(1, n)
    return len(token)


def _classifier(variable: str) -> Callable[[httpx.Response, str], PlatformError | None]:
    def classify(response: httpx.Response, what: str) -> PlatformError | None:
        status = response.status_code
        said = response.text.strip()[:300] or response.reason_phrase
        if said in WEBHOOK_GONE or status == 401:
            return PlatformError(
                f"{what}: {status} {said}; the webhook in {variable} was revoked or removed: "
                "add a new one and update the secret",
                retryable=False,
                status=status,
                auth=True,
            )
        if 400 <= status < 500 and status != 429:  # action_prohibited is not the token
            return PlatformError(f"{what}: {status} {said}", retryable=False, status=status)
        return None

    return classify
