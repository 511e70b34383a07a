"""A fake Telegram Bot API for one channel, built from the Bot API reference
(https://core.telegram.org/bots/api: "Making requests", sendMessage, sendPhoto,
sendMediaGroup, deleteMessages, MessageEntity, ReplyParameters, ResponseParameters).

``POST /bot<token>/<method>`` with JSON or multipart form fields. Every answer is
``{"ok": true, "result": …}`` or ``{"ok": false, "error_code": N, "description": "…"}``
(with ``parameters.retry_after`` on 429). A wrong token is 401 "Unauthorized"; an unknown
chat 400 "Bad Request: chat not found"; text over 4096 UTF-16 units 400 "Bad Request:
message is too long"; a caption over 1024 "Bad Request: message caption is too long"; an
album of fewer than 2 or more than 10 "Bad Request: wrong number of messages in media group";
a reply to a message not in the chat "Bad Request: message to be replied not found";
entities out of range "Bad Request: can't parse entities". Messages sent are kept in
``messages``; deleting them removes them (a message already gone: "message to delete not
found").

The channel's profile (ChatFullInfo, ChatPhoto, getFile, File and "Download a file":
``https://api.telegram.org/file/bot<token>/<file_path>``): ``getChat {chat_id}`` answers
the channel's ``id``, ``type``, ``title``, ``username``, its ``description`` and ``photo``
(``small_file_id``/``big_file_id`` and their unique ids) when :attr:`TelegramFake.profile`
has them; ``getFile {file_id}`` answers a File with its ``file_path`` (400 "Bad Request:
invalid file_id" for another id); ``GET /file/bot<token>/<file_path>`` the bytes in
:attr:`TelegramFake.downloads` (404 for another path).
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import httpx

from .cases import PlatformCase
from .discord import form
from .server import Fake

METHOD = re.compile(r"^/bot([^/]+)/(\w+)$")
DOWNLOAD = re.compile(r"^/file/bot([^/]+)/(.+)$")
PHOTO_ID = "AQADBAADr6cxG-fakeBigPhotoId"
CHAT_ID = -1001234567890
USERNAME = "lumengrain"


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fail(status: int, description: str, **parameters: Any) -> httpx.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return httpx.Response(status, json=body)


def _ok(result: Any) -> httpx.Response:
    return httpx.Response(200, json={"ok": True, "result": result})


class TelegramFake(Fake):
    """One channel the bot administers; ``messages`` in the order they were sent."""

    def __init__(self) -> None:
        super().__init__()
        self.token = "7012345678:AAE-fakeBotToken_s3cr3t-0123456789abc"
        self.messages: list[dict[str, Any]] = []
        self.files: dict[int, bytes] = {}
        self.deleted: list[int] = []
        self.profile: dict[str, Any] = {"title": "Lumen & Grain"}
        """The channel's ``title`` and ``description``, as getChat gives them."""
        self.photo: str | None = None
        """The ``file_path`` of the channel photo (the big one); None: no photo."""
        self.downloads: dict[str, bytes] = {}
        """The bytes served at ``/file/bot<token>/<file_path>``, by file_path."""
        self._ids = itertools.count(101)
        self._groups = itertools.count(13_000_000_000_000)

    def handle(self, request: httpx.Request) -> httpx.Response:
        download = DOWNLOAD.match(request.url.path)
        if download and request.method == "GET":
            found = self.downloads.get(download.group(2))
            if download.group(1) != self.token or found is None:
                return _fail(404, "Not Found")
            return httpx.Response(200, content=found)
        match = METHOD.match(request.url.path)
        if not match:
            return _fail(404, "Not Found")
        token, method = match.groups()
        if token != self.token:
            return _fail(401, "Unauthorized")
        kind = request.headers.get("content-type", "")
        files: dict[str, tuple[str, str, bytes]] = {}
        try:
            if kind.startswith("multipart/form-data"):
                raw, files = form(request)
                fields: dict[str, Any] = {}
                for key, value in raw.items():
                    try:
                        fields[key] = json.loads(value) if value[:1] in "[{" else value
                    except ValueError:
                        fields[key] = value
            elif request.content:
                fields = json.loads(request.content)
            else:
                fields = {}
        except ValueError:
            return _fail(400, "Bad Request: invalid JSON")
        if method == "getFile":
            return self._get_file(fields)
        chat = str(fields.get("chat_id", ""))
        if chat not in (str(CHAT_ID), f"@{USERNAME}"):
            return _fail(400, "Bad Request: chat not found")
        handler = {
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendMediaGroup": self._send_group,
            "deleteMessages": self._delete,
            "getChat": self._get_chat,
        }.get(method)
        if handler is None:
            return _fail(404, "Not Found")
        return handler(fields, files)

    # -- the channel's profile -----------------------------------------------------------

    def _get_chat(self, fields: dict[str, Any], files: dict[str, Any]) -> httpx.Response:
        chat: dict[str, Any] = {"id": CHAT_ID, "type": "channel", "username": USERNAME}
        chat.update(self.profile)
        if self.photo is not None:
            chat["photo"] = {
                "small_file_id": PHOTO_ID + "-small",
                "small_file_unique_id": "AQADr6cx-small",
                "big_file_id": PHOTO_ID,
                "big_file_unique_id": "AQADr6cx-big",
            }
        return _ok(chat)

    def _get_file(self, fields: dict[str, Any]) -> httpx.Response:
        if self.photo is None or fields.get("file_id") != PHOTO_ID:
            return _fail(400, "Bad Request: invalid file_id")
        size = len(self.downloads.get(self.photo, b""))
        return _ok(
            {
                "file_id": PHOTO_ID,
                "file_unique_id": "AQADr6cx-big",
                "file_size": size,
                "file_path": self.photo,
            }
        )

    # -- methods -------------------------------------------------------------------------

    def _reply(self, fields: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
        parameters = fields.get("reply_parameters")
        if parameters is None:
            return None, None
        wanted = parameters.get("message_id") if isinstance(parameters, dict) else None
        found = next((m for m in self.messages if m["message_id"] == wanted), None)
        if found is None:
            return None, "Bad Request: message to be replied not found"
        return found, None

    def _entities(self, text: str, entities: Any) -> str | None:
        for entity in entities or []:
            end = entity.get("offset", -1) + entity.get("length", 0)
            if entity.get("offset", -1) < 0 or end > _utf16(text) or entity.get("length", 0) < 1:
                return "Bad Request: can't parse entities: entity beyond the end of the text"
            if entity.get("type") == "text_link" and not entity.get("url"):
                return "Bad Request: can't parse entities: text_link without url"
        return None

    def _store(
        self, fields: dict[str, Any], extra: dict[str, Any], reply: dict[str, Any] | None
    ) -> dict[str, Any]:
        message = {
            "message_id": next(self._ids),
            "sender_chat": {"id": CHAT_ID, "title": "Lumen & Grain", "type": "channel"},
            "chat": {
                "id": CHAT_ID,
                "title": "Lumen & Grain",
                "username": USERNAME,
                "type": "channel",
            },
            "date": 1_796_000_000,
            **extra,
        }
        if reply is not None:
            message["reply_to_message"] = {
                "message_id": reply["message_id"],
                "chat": message["chat"],
            }
        self.messages.append(message)
        return message

    def _send_message(self, fields: dict[str, Any], files: dict[str, Any]) -> httpx.Response:
        text = fields.get("text") or ""
        if not text.strip():
            return _fail(400, "Bad Request: message text is empty")
        if _utf16(text) > 4096:
            return _fail(400, "Bad Request: message is too long")
        problem = self._entities(text, fields.get("entities"))
        reply, missing = self._reply(fields)
        if problem or missing:
            return _fail(400, problem or missing or "")
        extra: dict[str, Any] = {"text": text}
        if fields.get("entities"):
            extra["entities"] = fields["entities"]
        return _ok(self._store(fields, extra, reply))

    def _photo(self, caption: str, entities: Any) -> str | None:
        if _utf16(caption) > 1024:
            return "Bad Request: message caption is too long"
        return self._entities(caption, entities)

    def _send_photo(self, fields: dict[str, Any], files: dict[str, Any]) -> httpx.Response:
        if "photo" not in files:
            return _fail(400, "Bad Request: there is no photo in the request")
        caption = fields.get("caption") or ""
        problem = self._photo(caption, fields.get("caption_entities"))
        reply, missing = self._reply(fields)
        if problem or missing:
            return _fail(400, problem or missing or "")
        extra: dict[str, Any] = {"photo": [{"file_id": "AgAC-photo", "width": 800, "height": 800}]}
        if caption:
            extra["caption"] = caption
        message = self._store(fields, extra, reply)
        self.files[message["message_id"]] = files["photo"][2]
        return _ok(message)

    def _send_group(self, fields: dict[str, Any], files: dict[str, Any]) -> httpx.Response:
        media = fields.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            return _fail(400, "Bad Request: wrong number of messages in media group")
        for item in media:
            attached = str(item.get("media", "")).removeprefix("attach://")
            if attached not in files:
                return _fail(400, "Bad Request: wrong file identifier/HTTP URL specified")
            problem = self._photo(item.get("caption") or "", item.get("caption_entities"))
            if problem:
                return _fail(400, problem)
        reply, missing = self._reply(fields)
        if missing:
            return _fail(400, missing)
        group = str(next(self._groups))
        sent = []
        for item in media:
            extra: dict[str, Any] = {"media_group_id": group, "photo": [{"file_id": "AgAC"}]}
            if item.get("caption"):
                extra["caption"] = item["caption"]
            message = self._store(fields, extra, reply)
            self.files[message["message_id"]] = files[item["media"].removeprefix("attach://")][2]
            sent.append(message)
        return _ok(sent)

    def _delete(self, fields: dict[str, Any], files: dict[str, Any]) -> httpx.Response:
        ids = fields.get("message_ids") or []
        gone = [m for m in self.messages if m["message_id"] in ids]
        if not gone:
            return _fail(400, "Bad Request: message to delete not found")
        for message in gone:
            self.messages.remove(message)
            self.deleted.append(message["message_id"])
        return _ok(True)


def text_of(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


def rate_limited() -> dict[str, Any]:
    return {
        "status": 429,
        "body": {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 3",
            "parameters": {"retry_after": 3},
        },
    }


def expired() -> dict[str, Any]:
    return {"status": 401, "body": {"ok": False, "error_code": 401, "description": "Unauthorized"}}


CASE = PlatformCase(
    platform="telegram",
    credentials={
        "bot_token": "TELEGRAM_BOT_TOKEN",
        "chat_id": "TELEGRAM_CHAT_ID",
        "api_base": "TELEGRAM_API",
    },
    make=TelegramFake,
    env=lambda fake, base: {
        "TELEGRAM_BOT_TOKEN": fake.token,  # type: ignore[attr-defined]
        "TELEGRAM_CHAT_ID": f"@{USERNAME}",
        "TELEGRAM_API": base,
    },
    posts=lambda fake: [text_of(m) for m in fake.messages if text_of(m)],  # type: ignore[attr-defined]
    write=r"/bot[^/]+/send\w+$",
    rate_limited=rate_limited,
    expired=expired,
    secrets=("TELEGRAM_BOT_TOKEN",),
    reconciles=False,
)
