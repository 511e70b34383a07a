"""A fake Discord channel webhook, built from ../shared/platforms.md (Discord rows).

``/api[/v10]/webhooks/<id>/<token>``: ``GET`` the webhook object; ``POST`` executes it
(JSON, or multipart ``files[n]`` + ``payload_json`` whose ``attachments`` carry
``description``), answering 200 with the Message when ``?wait=true`` and 204 without;
``?thread_id=`` posts into a thread (a forum channel, ``forum=True``, requires a thread);
``GET``/``DELETE .../messages/<id>`` read and delete a message it sent. A wrong token is
401 ``{"message": "Invalid Webhook Token", "code": 50027}``, an unknown webhook 404 code
10015, an invalid body 400 in Discord's shape (code 50035 with field ``errors``).

Threads (discord-api-docs ``developers/resources/webhook.mdx``, Execute Webhook: the query's
``thread_id`` sends "to the specified thread within a webhook's channel"; its JSON params
hold no ``message_reference``, so a webhook cannot reply to a message; ``channel.mdx``,
Start Thread from Message: "the id of the created thread will be the same as the id of the
source message"). ``threads`` are the threads of the webhook's channel; a ``thread_id`` that
is not one of them is refused with 400 Unknown Channel (code 10003) and nothing is sent.
:meth:`DiscordFake.someone_says` puts a member's message in the channel and
:meth:`DiscordFake.start_thread` a thread on it.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx

from .cases import PlatformCase
from .server import Fake

HOOK = re.compile(r"^/api(?:/v\d+)?/webhooks/(\d+)/([^/]+)(?:/messages/(\d+))?/?$")
WEBHOOK_ID = "1311111111111111111"
GUILD_ID = "1100000000000000000"
CHANNEL_ID = "1200000000000000000"


def form(request: httpx.Request) -> tuple[dict[str, str], dict[str, tuple[str, str, bytes]]]:
    """A multipart/form-data body: its text fields, and its files as (filename, type, bytes)."""
    head = f"Content-Type: {request.headers.get('content-type', '')}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.content)
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, str, bytes]] = {}
    if not message.is_multipart():
        return fields, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is None:
            fields[name] = data.decode("utf-8")
        else:
            files[name] = (filename, part.get_content_type(), data)
    return fields, files


def _error(status: int, code: int, message: str, errors: Any = None) -> httpx.Response:
    body: dict[str, Any] = {"message": message, "code": code}
    if errors is not None:
        body["errors"] = errors
    return httpx.Response(status, json=body)


def _invalid(path: list[str], code: str, message: str) -> httpx.Response:
    node: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for key in reversed(path):
        node = {key: node}
    return _error(400, 50035, "Invalid Form Body", node)


class DiscordFake(Fake):
    """One guild channel with one webhook; ``messages`` holds what it sent, in order."""

    def __init__(self, *, forum: bool = False) -> None:
        super().__init__()
        self.token = "hookToken-" + "x" * 20 + "-s3cr3t"
        self.forum = forum
        self.threads: set[str] = {"1250000000000000000"}
        self.messages: list[dict[str, Any]] = []
        self.payloads: dict[str, dict[str, Any]] = {}
        self.files: dict[str, list[bytes]] = {}
        self.deleted: list[str] = []
        self._ids = itertools.count(1_320_000_000_000_000_000)

    def url(self, base: str) -> str:
        return f"{base}/api/webhooks/{WEBHOOK_ID}/{self.token}"

    def someone_says(self, text: str) -> str:
        """A member's message in the webhook's channel (not sent by the webhook); its id."""
        message_id = str(next(self._ids))
        self.messages.append(
            {
                "id": message_id,
                "type": 0,
                "content": text,
                "channel_id": CHANNEL_ID,
                "author": {"id": "1400000000000000001", "username": "alice"},
            }
        )
        return message_id

    def start_thread(self, message_id: str) -> str:
        """A thread started from a message: it takes the message's id (Discord's rule)."""
        self.threads.add(message_id)
        return message_id

    def react(self, message_id: str, emoji: str, number: int) -> None:
        message = next(m for m in self.messages if m["id"] == message_id)
        message.setdefault("reactions", []).append(
            {"count": number, "me": False, "emoji": {"id": None, "name": emoji}}
        )

    # -- the API -------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        match = HOOK.match(request.url.path)
        if not match:
            return _error(404, 0, "404: Not Found")
        hook_id, token, message_id = match.groups()
        if hook_id != WEBHOOK_ID:
            return _error(404, 10015, "Unknown Webhook")
        if token != self.token:
            return _error(401, 50027, "Invalid Webhook Token")
        if message_id:
            return self._message(request, message_id)
        if request.method == "GET":
            return httpx.Response(200, json=self._webhook())
        if request.method == "POST":
            return self._execute(request)
        return _error(405, 0, "405: Method Not Allowed")

    def _webhook(self) -> dict[str, Any]:
        return {
            "type": 1,
            "id": WEBHOOK_ID,
            "name": "tidings",
            "avatar": None,
            "channel_id": CHANNEL_ID,
            "guild_id": GUILD_ID,
            "application_id": None,
            "token": self.token,
        }

    def _message(self, request: httpx.Request, message_id: str) -> httpx.Response:
        found = next((m for m in self.messages if m["id"] == message_id), None)
        if found is None:
            return _error(404, 10008, "Unknown Message")
        if request.method == "GET":
            return httpx.Response(200, json=found)
        if request.method == "DELETE":
            self.messages.remove(found)
            self.deleted.append(message_id)
            return httpx.Response(204)
        return _error(405, 0, "405: Method Not Allowed")

    def _execute(self, request: httpx.Request) -> httpx.Response:
        kind = request.headers.get("content-type", "")
        files: dict[str, tuple[str, str, bytes]] = {}
        try:
            if kind.startswith("multipart/form-data"):
                fields, files = form(request)
                payload = json.loads(fields.get("payload_json", "{}"))
            elif kind.startswith("application/json"):
                payload = json.loads(request.content)
            else:
                return _error(400, 50109, "The request body contains invalid JSON.")
        except ValueError:
            return _error(400, 50109, "The request body contains invalid JSON.")
        if not isinstance(payload, dict):
            return _error(400, 50109, "The request body contains invalid JSON.")
        content = payload.get("content") or ""
        if not isinstance(content, str):
            return _invalid(["content"], "STRING_TYPE_CONVERT", "Could not interpret as string.")
        if len(content) > 2000:
            return _invalid(["content"], "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        attachments = payload.get("attachments") or []
        if len(files) > 10:
            return _error(400, 50035, "Invalid Form Body")
        for n, item in enumerate(attachments):
            if f"files[{item.get('id')}]" not in files:
                return _invalid(
                    ["attachments", str(n)], "ATTACHMENT_NOT_FOUND", "Attachment data not found"
                )
            if len(str(item.get("description") or "")) > 1024:
                return _invalid(
                    ["attachments", str(n), "description"],
                    "BASE_TYPE_MAX_LENGTH",
                    "Must be 1024 or fewer in length.",
                )
        if not content and not files:
            return _error(400, 50006, "Cannot send an empty message")
        channel = CHANNEL_ID
        thread = request.url.params.get("thread_id")
        if thread:
            if thread not in self.threads:
                return _error(400, 10003, "Unknown Channel")
            channel = thread
        elif self.forum:
            if not payload.get("thread_name"):
                return _error(
                    400,
                    220001,
                    "Webhooks posted to forum channels must have a thread_name or thread_id",
                )
            channel = str(next(self._ids))
            self.threads.add(channel)
        message = self._store(request, content, channel, files, attachments)
        self.payloads[message["id"]] = payload
        if request.url.params.get("wait") != "true":
            return httpx.Response(204)
        return httpx.Response(200, json=message)

    def _store(
        self,
        request: httpx.Request,
        content: str,
        channel: str,
        files: dict[str, tuple[str, str, bytes]],
        attachments: list[dict[str, Any]],
    ) -> dict[str, Any]:
        message_id = str(next(self._ids))
        origin = f"{request.url.scheme}://{request.url.netloc.decode()}"
        described = {f"files[{a.get('id')}]": a for a in attachments}
        shown = []
        for name, (filename, mime, data) in files.items():
            item = {
                "id": str(next(self._ids)),
                "filename": filename,
                "size": len(data),
                "url": f"{origin}/attachments/{channel}/{message_id}/{filename}",
                "content_type": mime,
            }
            if described.get(name, {}).get("description"):
                item["description"] = described[name]["description"]
            shown.append(item)
        message = {
            "id": message_id,
            "type": 0,
            "content": content,
            "channel_id": channel,
            "author": {"id": WEBHOOK_ID, "username": "tidings", "bot": True},
            "attachments": shown,
            "embeds": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": datetime.now(UTC).isoformat(),
            "edited_timestamp": None,
            "flags": 0,
            "components": [],
            "webhook_id": WEBHOOK_ID,
        }
        self.messages.append(message)
        self.files[message_id] = [data for _, _, data in files.values()]
        return message


def rate_limited() -> dict[str, Any]:
    return {
        "status": 429,
        "headers": {
            "Retry-After": "3",
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": "2.5",
            "X-RateLimit-Scope": "shared",
        },
        "body": {"message": "You are being rate limited.", "retry_after": 2.5, "global": False},
    }


def expired() -> dict[str, Any]:
    return {"status": 401, "body": {"message": "Invalid Webhook Token", "code": 50027}}


CASE = PlatformCase(
    platform="discord",
    credentials={"webhook_url": "DISCORD_WEBHOOK_URL"},
    make=DiscordFake,
    env=lambda fake, base: {"DISCORD_WEBHOOK_URL": fake.url(base)},  # type: ignore[attr-defined]
    posts=lambda fake: [m["content"] for m in fake.messages],  # type: ignore[attr-defined]
    write=r"/webhooks/\d+/[^/]+$",
    rate_limited=rate_limited,
    expired=expired,
    secrets=("DISCORD_WEBHOOK_URL",),
    threads=False,
    reconciles=False,
)
