"""Discord: each part is a message sent through one channel's webhook.

The channel's only credential is the webhook's address, ``DISCORD_WEBHOOK_URL``
(``https://discord.com/api/webhooks/<id>/<token>``), and the address *is* the secret: it
is used for requests only, and no message, exception, ``repr`` or ledger entry holds it.
An address ending in ``?thread_id=<id>`` posts into that thread (the way to reach a forum
channel, where a webhook cannot start a post without naming a thread).

Publishing a part is one ``POST <webhook>?wait=true``: JSON ``{content}``, or for part 0
with images a multipart body of ``files[n]`` and ``payload_json`` whose ``attachments``
carry each image's alt text as ``description``. ``allowed_mentions`` is empty, so a post
that says ``@everyone`` pings no one. Discord answers the Message; the ledger records its
id and its web address ``https://discord.com/channels/<guild>/<channel>/<message>``, the
guild read once from the webhook itself (``GET <webhook>``), the channel from the Message.
A webhook cannot reply, so a thread's later parts are further messages, in order.

Replies (``content/replies/``, :meth:`DiscordAdapter.reply_parent`): Execute Webhook takes no
``message_reference``, so a webhook can never make Discord's "reply to a message". What it
can do is post into a thread of its own channel (``?thread_id=``); a reply goes into the
thread its URL is in, or into the thread started from the message it names (which has the
message's id). Discord refuses a thread outside the webhook's channel, and the reply fails
for good saying so; nothing is sent.

Reconciling (:meth:`DiscordAdapter.find_part`): Discord has no idempotency key for
webhooks, and a webhook can read a message only by its id, which a lost response never
delivered; it cannot list the channel. So whether a part went out cannot be checked, and
``find_part`` raises :class:`Unknowable`: the post is recorded ``unknown`` and a person
looks in the channel and settles it with ``tidings resolve``. Nothing is ever sent twice.

Deleting is ``DELETE <webhook>/messages/<id>`` (204; an unknown message is already gone).
Metrics: the reactions on each message (``GET <webhook>/messages/<id>``, one request per
post) as ``likes``; Discord reports no views, reposts or followers to a webhook.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from tidings.errors import CredentialError, PlatformError
from tidings.metrics.counts import AccountCounts, Counts, Unavailable, count
from tidings.platforms import base
from tidings.platforms.http import Caller, error_object, json_field, json_object
from tidings.workspace.model import Channel

__all__ = [
    "WEB",
    "DiscordAdapter",
    "Webhook",
    "connect",
    "error_message",
    "metrics_reader",
    "parse_webhook",
]

WEB = "https://discord.com/channels"
_HOOK_PATH = re.compile(
    r"^(?P<prefix>(?:/api(?:/v\d+)?)?/webhooks)/(?P<id>\d+)/(?P<token>[^/]+)/?$"
)
UNKNOWN_WEBHOOK = 10015
UNKNOWN_MESSAGE = 10008
INVALID_TOKEN = 50027


class Webhook:
    """A parsed webhook address. ``repr`` and ``str`` show the id only, never the token."""

    def __init__(
        self, address: str, webhook_id: str, thread_id: str | None, token: str = ""
    ) -> None:
        self._address = address  # scheme, host and path up to the token, no query
        self.id = webhook_id
        self.thread_id = thread_id
        self.token = token  # the secret part of the path (registered, never shown)

    def __repr__(self) -> str:
        return f"Webhook(id={self.id!r})"

    __str__ = __repr__

    def url(self, suffix: str = "", thread_id: str | None = None, **params: str) -> httpx.URL:
        """The webhook's address; ``thread_id`` (a reply's thread) replaces the address's own."""
        query = dict(params)
        if thread_id or self.thread_id:
            query["thread_id"] = thread_id or self.thread_id or ""
        return httpx.URL(self._address + suffix, params=query)


def parse_webhook(value: str, variable: str) -> Webhook:
    """The webhook in ``value``; a CredentialError naming ``variable`` (never the value)
    when it is not a webhook address."""
    try:
        url = httpx.URL(value.strip())
    except (httpx.InvalidURL, TypeError):
        url = None
    match = _HOOK_PATH.match(url.path) if url is not None else None
    if url is None or match is None or url.scheme not in ("http", "https") or not url.host:
        raise CredentialError(
            f"{variable} is not a Discord webhook address",
            "copy it from the channel's Settings → Integrations → Webhooks → Copy Webhook URL "
            "(it looks like https://discord.com/api/webhooks/<id>/<token>)",
        )
    thread = url.params.get("thread_id")
    base = str(url.copy_with(query=None, fragment=None, path=url.path.rstrip("/")))
    return Webhook(base, match["id"], thread or None, match["token"])


def connect(channel: Channel, env: Mapping[str, str], caller: Caller) -> DiscordAdapter:
    """The adapter for a Discord channel (credential ``webhook_url``)."""
    variable = channel.credentials.get("webhook_url", "webhook_url")
    address = base.credential(channel, env, "webhook_url")
    hook = parse_webhook(address, variable)
    caller.secret(address.strip(), variable)
    caller.secret(hook.token, variable)  # the path's token alone, as an answer may echo it
    caller.message = error_message
    caller.classify = _classifier(variable)
    return DiscordAdapter(caller, hook, variable)


metrics_reader = connect
"""The metrics reader of a Discord channel: the adapter (reactions per message)."""


class DiscordAdapter(base.PlatformAdapter, platform="discord"):
    def __init__(
        self, caller: Caller, hook: Webhook, variable: str = "DISCORD_WEBHOOK_URL"
    ) -> None:
        self.caller = caller
        self.hook = hook
        self.variable = variable
        self._guild: str | None = None
        self._guild_read = False

    def __repr__(self) -> str:
        return f"DiscordAdapter({self.hook!r})"

    # -- the Adapter protocol ------------------------------------------------------------

    def publish_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote:
        guild = self.guild()  # before sending: a revoked webhook fails here, nothing sent
        payload: dict[str, Any] = {
            "content": out.parts[index].text,
            "allowed_mentions": {"parse": []},
        }
        what = f"post part {index + 1}"
        media = out.media if index == 0 else ()
        kwargs: dict[str, Any]
        if media:
            payload["attachments"] = [
                {"id": n, "filename": m.path.name, "description": m.alt}
                for n, m in enumerate(media)
            ]
            kwargs = {
                "data": {"payload_json": json.dumps(payload)},
                "files": [
                    (f"files[{n}]", (m.path.name, m.path.read_bytes(), m.mime))
                    for n, m in enumerate(media)
                ],
            }
        else:
            kwargs = {"json": payload}
        reply_thread = out.reply_to.options.get("thread_id") if out.reply_to else None
        try:
            response = self.caller.call(
                "POST",
                str(self.hook.url(thread_id=reply_thread, wait="true")),
                safe=False,  # no idempotency: a lost answer is settled by a person
                what=what,
                ok=(200, 204),
                **kwargs,
            )
        except PlatformError as error:
            if reply_thread and error.status in (400, 403, 404) and not error.auth:
                raise self._no_thread(error, out.reply_to) from None  # type: ignore[arg-type]
            raise
        if response.status_code == 204:
            raise PlatformError(
                f"{what}: Discord sent the message but returned no id; look in the channel",
                retryable=False,
                uncertain=True,
            )
        message = json_object(response, what, uncertain=True, status=True)
        message_id = message.get("id")
        if not isinstance(message_id, str) or not message_id:
            raise PlatformError(
                f"{what}: the answer has no message id", retryable=True, uncertain=True
            )
        return base.Remote(message_id, permalink(guild, message.get("channel_id"), message_id))

    def reply_parent(self, target: base.ReplyTarget) -> base.ReplyParent:
        """Where a reply goes: a webhook cannot reply to a message (Execute Webhook takes no
        ``message_reference``), but it can post into a thread of its own channel
        (``?thread_id=``). So the reply goes into the thread the URL is in
        (``/channels/GUILD/THREAD/MESSAGE``), or, for a message in the webhook's channel
        itself, into the thread started from that message, which has the message's id
        (Discord: Start Thread from Message). The webhook is read first (``GET
        <webhook>``): an item in another server, or the webhook's channel with no message,
        fails here, before anything is sent; a thread that is not in the webhook's channel
        (or no thread on the message) is refused by Discord when the part is sent, and the
        message says what to do."""
        guild, channel = target.get("guild") or "", target.get("channel") or ""
        message = target.get("message")
        what = f"answer {target.url}"
        home = self._home()
        own_guild, own_channel = self.guild(), home.get("channel_id")
        if own_guild and guild != own_guild:
            raise PlatformError(
                f"{what}: the item is in another Discord server ({guild}) than the webhook in "
                f"{self.variable} (server {own_guild}); a webhook posts only in its own channel: "
                "answer in the Discord app, or name a channel whose webhook is in that server",
                retryable=False,
            )
        if channel != own_channel:
            thread = channel  # the URL is in a thread (Discord checks it is in our channel)
        elif message:
            thread = message  # the thread started from the message has the message's id
        else:
            raise PlatformError(
                f"{what}: the URL names the webhook's channel, not a message in it; copy the "
                "message's link (Copy Message Link)",
                retryable=False,
            )
        return base.ReplyParent(
            base.Remote(message or channel, target.url),
            options={"thread_id": thread, "channel": channel, "webhook_channel": str(own_channel)},
        )

    def _no_thread(self, error: PlatformError, reply: base.ReplyParent) -> PlatformError:
        """Discord refused the reply's ``thread_id``: nothing was sent. Say why it can be."""
        thread = reply.options.get("thread_id")
        own = reply.options.get("webhook_channel")
        if thread == reply.parent.id and reply.options.get("channel") == own:
            why = (
                f"the message {thread} has no thread, and a Discord webhook cannot reply to a "
                "message itself (it can only post into a thread of its channel): in Discord, "
                "open the message's menu → Create Thread, then `tidings resolve --retry` the "
                "reply and it goes into that thread on the next run; or answer in the app"
            )
        else:
            why = (
                f"the webhook in {self.variable} posts to channel {own}, and Discord lets it "
                f"post only into threads of that channel, which {thread} is not: name a "
                "Discord channel whose webhook is in the item's channel (`channels: [ID]`), "
                "or answer in the app"
            )
        return PlatformError(f"{error.message}; {why}", retryable=False, status=error.status)

    def _home(self) -> dict[str, Any]:
        """The webhook object (``GET <webhook>``): its ``guild_id`` and ``channel_id``."""
        response = self.caller.call(
            "GET", str(self.hook.url()), safe=True, what="read the webhook", ok=(200,)
        )
        found = json_object(response, "read the webhook", status=True)
        guild = found.get("guild_id")
        self._guild = str(guild) if isinstance(guild, (str, int)) and guild else None
        self._guild_read = True
        channel = found.get("channel_id")
        found["channel_id"] = str(channel) if isinstance(channel, (str, int)) and channel else None
        return found

    def find_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote | None:
        raise base.Unknowable(
            f"part {index + 1}: a Discord webhook cannot read the channel, so whether it went "
            "out cannot be checked; look in the channel"
        )

    def delete(self, part: base.Remote) -> None:
        message_id = _message_id(part)
        try:
            self._message("DELETE", message_id, f"delete message {message_id}", ok=(204,))
        except PlatformError as error:
            if error.status == 404 and not error.auth:
                return  # Unknown Message: already gone
            raise

    # -- metrics (the MetricsReader protocol) --------------------------------------------

    def post_metrics(self, parts: Sequence[base.Remote]) -> dict[str, Counts | Unavailable]:
        """The reactions on each message (all emoji together) as ``likes``, one request
        per message: a webhook can read only the messages it sent, one at a time."""
        result: dict[str, Counts | Unavailable] = {}
        for part in parts:
            try:
                message_id = _message_id(part)
            except PlatformError as error:
                result[part.id] = Unavailable(error.message)
                continue
            try:
                response = self._message("GET", message_id, f"read message {message_id}")
            except PlatformError as error:
                if error.status == 404 and not error.auth:
                    result[part.id] = Unavailable("Discord has no such message (deleted)")
                    continue
                raise
            result[part.id] = reaction_counts(
                json_object(response, f"read message {message_id}", status=True)
            )
        return result

    def account_metrics(self) -> AccountCounts:
        """A webhook sees no members or followers: nothing to report."""
        return AccountCounts()

    # -- the webhook ---------------------------------------------------------------------

    def guild(self) -> str | None:
        """The webhook's guild (server) id, read once (``GET <webhook>``)."""
        if not self._guild_read:
            response = self.caller.call(
                "GET", str(self.hook.url()), safe=True, what="read the webhook", ok=(200,)
            )
            guild = json_object(response, "read the webhook", status=True).get("guild_id")
            self._guild = str(guild) if isinstance(guild, (str, int)) and guild else None
            self._guild_read = True
        return self._guild

    def _message(
        self, method: str, message_id: str, what: str, ok: tuple[int, ...] = (200,)
    ) -> httpx.Response:
        """One request about a message the webhook sent (``<webhook>/messages/<id>``)."""
        return self.caller.call(
            method, str(self.hook.url(f"/messages/{message_id}")), safe=True, what=what, ok=ok
        )


def permalink(guild: str | None, channel_id: object, message_id: str) -> str | None:
    """The message's web address; None when the guild or the channel is not known."""
    if not guild or not isinstance(channel_id, (str, int)) or not channel_id:
        return None
    return f"{WEB}/{guild}/{channel_id}/{message_id}"


def reaction_counts(message: Mapping[str, Any]) -> Counts:
    """``likes``: every reaction on the message. No ``reactions`` key means none (Discord
    leaves the empty list out), so 0; the other numbers Discord does not report."""
    reactions = message.get("reactions")
    total = 0
    for reaction in reactions if isinstance(reactions, list) else []:
        number = count(reaction.get("count")) if isinstance(reaction, dict) else None
        total += number or 0
    return Counts(likes=total, raw={"reactions": total})


def error_message(response: httpx.Response) -> str:
    """Discord's ``message``, with the field errors of an Invalid Form Body (50035)."""
    body = error_object(response)
    if isinstance(body, str):
        return body
    message = str(body.get("message") or response.reason_phrase)
    details = list(_field_errors(body.get("errors"), ""))
    if details:
        message += " (" + "; ".join(details[:5]) + ")"
    return message


def _field_errors(node: object, path: str) -> list[str]:
    if not isinstance(node, dict):
        return []
    found = []
    for item in node.get("_errors") or []:
        if isinstance(item, dict) and item.get("message"):
            found.append(f"{path or 'body'}: {item['message']}")
    for key, value in node.items():
        if key != "_errors":
            found.extend(_field_errors(value, f"{path}.{key}" if path else str(key)))
    return found


def _classifier(variable: str) -> Callable[[httpx.Response, str], PlatformError | None]:
    def classify(response: httpx.Response, what: str) -> PlatformError | None:
        status = response.status_code
        code = _code(response)
        if status in (401, 403) or (status == 404 and code == UNKNOWN_WEBHOOK):
            return PlatformError(
                f"{what}: {status} {error_message(response)}; check the webhook in {variable} "
                "(if it was deleted, make a new one and update the secret)",
                retryable=False,
                status=status,
                auth=True,
            )
        return None

    return classify


def _code(response: httpx.Response) -> int | None:
    code = json_field(response, "code")
    return code if isinstance(code, int) else None


def _message_id(part: base.Remote) -> str:
    """The message id of a ledger part: the id, or the last segment of a message address
    recorded by hand (``https://discord.com/channels/<g>/<c>/<m>``)."""
    candidate = part.id.rstrip("/").rsplit("/", 1)[-1]
    if not candidate.isdigit():
        raise PlatformError(f"{part.id!r} is not a Discord message id", retryable=False)
    return candidate
