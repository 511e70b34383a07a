"""Telegram: a channel through the Bot API (https://core.telegram.org/bots/api).

The channel names two credentials: ``bot_token`` (from @BotFather; the bot must be an
administrator of the channel allowed to post and delete messages) and ``chat_id`` (the
channel's public ``@username`` or its numeric id ``-100…``). Every method is
``POST {api_base}/bot<token>/<method>``: the token travels in the path, so it is registered
as a secret the moment it is read, and httpx's log shows hosts only.

Publishing a part (``parse_mode`` is never set; formatting goes as ``entities``, so nothing
a person writes is read as markup by mistake):

* text alone: ``sendMessage`` with ``text`` (at most 4096 UTF-16 code units after entities)
  and ``entities``; ``link_preview_options`` left to Telegram;
* one image: ``sendPhoto`` (multipart ``photo``) with ``caption`` (at most 1024) and
  ``caption_entities``;
* 2–10 images: ``sendMediaGroup`` (an album; ``media`` is a JSON list of InputMediaPhoto
  whose ``media`` is ``attach://photoN``), the caption on the first photo. The answer is the
  list of Messages; the ledger records their ids joined by commas (``"101,102,103"``), so
  a delete removes the whole album.

Entities come from the rendered text: each link the renderer found becomes a ``url``
entity, ``[text](https://…)`` a ``text_link`` (the brackets and address are taken out of
the text), ``**bold**`` a ``bold`` entity (the stars taken out). Offsets and lengths are in
UTF-16 code units, as the Bot API counts them. Telegram has no alt text for photos: the
alt text is not sent.

A thread's later parts reply to the part before (``reply_parameters.message_id``, the
first message of an album), so the channel shows a reply chain.

Reconciling (:meth:`TelegramAdapter.find_part`): the Bot API has no idempotency key and no
way for a bot to read a channel's history (``getUpdates`` never returns the bot's own
posts), so whether a part whose answer was lost went out cannot be checked: ``find_part``
raises :class:`~tidings.platforms.base.Unknowable`, the post is recorded ``unknown``, and
a person looks in the channel and settles it with ``tidings resolve``. Never sent twice.

Deleting is ``deleteMessages`` with every id of the part (a bot can delete its own
channel posts younger than 48 hours; older ones Telegram refuses, and the message says so).

Metrics: none. The Bot API reports a channel post's view count to no method a bot can
call (``views`` appears only on a message forwarded to the bot or in an edited-post
update), and ``getChatMemberCount`` is the only number; so Telegram has no
``metrics_reader`` and the dashboards show it without numbers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from tidings.core.render import RenderedPart
from tidings.errors import PlatformError
from tidings.platforms import base
from tidings.platforms.http import Caller, error_object
from tidings.workspace.model import Channel

__all__ = [
    "DEFAULT_API",
    "TelegramAdapter",
    "connect",
    "entities",
    "error_message",
    "profile_reader",
]

DEFAULT_API = "https://api.telegram.org"
ALBUM_MAX = 10
_MARK = re.compile(
    r"\*\*(?P<bold>[^*\n](?:[^*\n]|\*(?!\*))*?)\*\*"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<href>https?://[^\s()]+)\)"
)


def connect(channel: Channel, env: Mapping[str, str], caller: Caller) -> TelegramAdapter:
    """The adapter for a ``platform: telegram`` channel: credentials ``bot_token`` and
    ``chat_id``, optional ``api_base`` (default :data:`DEFAULT_API`)."""
    token = base.credential(channel, env, "bot_token")
    variable = channel.credentials.get("bot_token", "bot_token")
    chat = base.credential(channel, env, "chat_id").strip()
    api = base.credential(channel, env, "api_base", default=DEFAULT_API).rstrip("/")
    caller.secret(token.strip(), variable)
    caller.message = error_message
    caller.classify = _classifier(variable)
    return TelegramAdapter(caller, api, token.strip(), chat)


profile_reader = connect
"""The profile reader of a Telegram channel: the adapter (``getChat``)."""


class TelegramAdapter(base.PlatformAdapter, platform="telegram"):
    def __init__(self, caller: Caller, api: str, token: str, chat: str) -> None:
        self.caller = caller
        self._api = api
        self._token = token
        self.chat = chat

    def __repr__(self) -> str:
        return f"TelegramAdapter(chat={self.chat!r})"

    # -- the Adapter protocol ------------------------------------------------------------

    def publish_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote:
        text, found = entities(out.parts[index])
        media = out.media if index == 0 else ()
        what = f"post part {index + 1}"
        fields: dict[str, Any] = {"chat_id": self.chat}
        parent = base.parent_of(out, index, thread)
        if parent is not None:
            fields["reply_parameters"] = {"message_id": int(message_ids(parent)[0])}
        if not media:
            fields["text"] = text
            if found:
                fields["entities"] = found
            answer = self._call("sendMessage", what, json=fields)
        elif len(media) == 1:
            if text:
                fields["caption"] = text
            if found:
                fields["caption_entities"] = found
            answer = self._call(
                "sendPhoto",
                what,
                data=_form(fields),
                files=[("photo", (media[0].path.name, media[0].path.read_bytes(), media[0].mime))],
            )
        else:
            album: list[dict[str, Any]] = []
            for n, _ in enumerate(media[:ALBUM_MAX]):
                item: dict[str, Any] = {"type": "photo", "media": f"attach://photo{n}"}
                if n == 0 and text:
                    item["caption"] = text
                    if found:
                        item["caption_entities"] = found
                album.append(item)
            fields["media"] = album
            answer = self._call(
                "sendMediaGroup",
                what,
                data=_form(fields),
                files=[
                    (f"photo{n}", (m.path.name, m.path.read_bytes(), m.mime))
                    for n, m in enumerate(media[:ALBUM_MAX])
                ],
            )
        messages = answer if isinstance(answer, list) else [answer]
        ids = [
            str(m["message_id"])
            for m in messages
            if isinstance(m, dict) and isinstance(m.get("message_id"), int)
        ]
        if not ids:
            raise PlatformError(
                f"{what}: the answer has no message id", retryable=True, uncertain=True
            )
        first = messages[0] if isinstance(messages[0], dict) else {}
        return base.Remote(",".join(ids), permalink(first.get("chat"), ids[0]))

    def find_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote | None:
        raise base.Unknowable(
            f"part {index + 1}: a Telegram bot cannot read the channel's history, so whether "
            "it went out cannot be checked; look in the channel"
        )

    def delete(self, part: base.Remote) -> None:
        ids = [int(i) for i in message_ids(part)]
        try:
            self._call(
                "deleteMessages",
                f"delete message {part.id}",
                json={"chat_id": self.chat, "message_ids": ids},
                safe=True,
            )
        except PlatformError as error:
            if error.status == 400 and "not found" in error.message:
                return  # "message to delete not found": already gone
            raise

    # -- the profile (the ProfileReader protocol) -----------------------------------------

    def read_profile(self) -> base.Profile:
        """``getChat`` (Bot API, the ChatFullInfo object): the channel's ``title``, its
        ``description`` and the links written in it (a channel has no link field), its
        ``photo`` (the big one, downloaded through ``getFile``; recorded without the bot
        token). A channel has neither a link field nor a banner: not findings (the links
        written in the description are still listed)."""
        chat = self._call("getChat", "read the channel", safe=True, json={"chat_id": self.chat})
        if not isinstance(chat, dict):
            raise PlatformError("read the channel: the answer is not a chat", retryable=True)
        description = chat.get("description")
        bio = description if isinstance(description, str) else ""
        photo = chat.get("photo")
        avatar = None
        file_id = base.text_of(photo.get("big_file_id")) if isinstance(photo, dict) else None
        if file_id:
            found = self._call(
                "getFile", "find the channel photo", safe=True, json={"file_id": file_id}
            )
            path = base.text_of(found.get("file_path")) if isinstance(found, dict) else None
            if path:
                avatar = base.fetch_image(
                    self.caller,
                    f"{self._api}/file/bot{self._token}/{path}",
                    "channel photo",
                    shown_as=f"telegram:{path}",
                )
        username = base.text_of(chat.get("username"))
        return base.Profile(
            display_name=base.text_of(chat.get("title")),
            bio=bio,
            links=base.links_in(bio),
            avatar=avatar,
            url=f"https://t.me/{username}" if username else None,
            not_exposed=("link", "banner"),
        )

    # -- the Bot API ---------------------------------------------------------------------

    def _call(self, method: str, what: str, *, safe: bool = False, **kwargs: Any) -> Any:
        """One Bot API method; its ``result``. ``safe`` only for reads and deletes: a send
        whose answer was lost is never repeated."""
        response = self.caller.call(
            "POST",
            f"{self._api}/bot{self._token}/{method}",
            safe=safe,
            what=what,
            ok=(200,),
            **kwargs,
        )
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or body.get("ok") is not True or "result" not in body:
            raise PlatformError(
                f"{what}: the answer is not a Bot API result",
                retryable=True,
                uncertain=not safe,
            )
        return body["result"]


def message_ids(part: base.Remote) -> list[str]:
    """The message ids of a ledger part: ``"101"``, an album's ``"101,102"``, or the last
    segment of a message address recorded by hand (``https://t.me/brand/101``)."""
    candidate = part.id.rstrip("/").rsplit("/", 1)[-1]
    ids = [i.strip() for i in candidate.split(",")]
    if not ids or not all(i.isdigit() for i in ids):
        raise PlatformError(f"{part.id!r} is not a Telegram message id", retryable=False)
    return ids


def permalink(chat: object, message_id: str) -> str | None:
    """``https://t.me/<username>/<id>`` for a public channel, ``https://t.me/c/<id>/<id>``
    (members only) for a private one; None when the answer names no chat."""
    if not isinstance(chat, dict):
        return None
    username = chat.get("username")
    if isinstance(username, str) and username:
        return f"https://t.me/{username}/{message_id}"
    chat_id = str(chat.get("id") or "")
    if chat_id.startswith("-100"):
        return f"https://t.me/c/{chat_id[4:]}/{message_id}"
    return None


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def entities(part: RenderedPart) -> tuple[str, list[dict[str, Any]]]:
    """The text Telegram gets and its ``MessageEntity`` list: ``**bold**`` and
    ``[text](url)`` turned into entities with their marks taken out, every other link the
    renderer found a ``url`` entity. Offsets in UTF-16 code units."""
    source = part.text
    out: list[str] = []
    found: list[dict[str, Any]] = []
    shift: list[tuple[int, int]] = []  # (source offset, output offset) at each mark
    taken: list[tuple[int, int]] = []  # source ranges already made entities
    at = 0
    length = 0  # UTF-16 length of the output so far
    for match in _MARK.finditer(source):
        plain = source[at : match.start()]
        out.append(plain)
        length += _utf16(plain)
        shift.append((match.start(), length))
        inner = match.group("bold") if match.group("bold") is not None else match.group("label")
        entity: dict[str, Any] = {"offset": length, "length": _utf16(inner)}
        if match.group("bold") is not None:
            entity["type"] = "bold"
        else:
            entity.update(type="text_link", url=match.group("href"))
            taken.append((match.start(), match.end()))
        found.append(entity)
        out.append(inner)
        length += _utf16(inner)
        at = match.end()
    out.append(source[at:])
    text = "".join(out)
    for link in part.links:
        if any(s <= link.start < e for s, e in taken):
            continue
        start = _output_offset(source, link.start)
        if start is None:
            continue
        shown = source[link.start : link.end]
        found.append({"type": "url", "offset": start, "length": _utf16(shown)})
    found.sort(key=lambda e: (e["offset"], e["type"]))
    return text, found


def _output_offset(source: str, index: int) -> int | None:
    """The UTF-16 offset in the output text of ``source[index]``, or None when it lies in
    text that a mark changed (a link inside ``**bold**``: its entity covers it)."""
    prefix = source[:index]
    removed = 0
    for match in _MARK.finditer(source):
        if match.start() >= index:
            break
        if match.end() > index:
            if match.group("bold") is not None and match.start() + 2 <= index < match.end() - 2:
                removed += 2  # inside bold: the opening stars are gone
                return _utf16(prefix) - removed
            return None
        if match.group("bold") is not None:
            removed += 4
        else:
            removed += _utf16(match.group(0)) - _utf16(match.group("label"))
    return _utf16(prefix) - removed


def _form(fields: Mapping[str, Any]) -> dict[str, str]:
    """Multipart form fields: objects and lists as JSON, as the Bot API reads them."""
    return {
        key: value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        for key, value in fields.items()
    }


def error_message(response: httpx.Response) -> str:
    """The Bot API's ``description`` ("Bad Request: message text is empty")."""
    body = error_object(response)
    if isinstance(body, str):
        return body
    return str(body.get("description") or response.reason_phrase)


def _classifier(variable: str) -> Callable[[httpx.Response, str], PlatformError | None]:
    def classify(response: httpx.Response, what: str) -> PlatformError | None:
        status = response.status_code
        body = error_object(response)
        if status == 429 and isinstance(body, dict):
            parameters = body.get("parameters")
            wait = parameters.get("retry_after") if isinstance(parameters, dict) else None
            if isinstance(wait, (int, float)):
                return PlatformError(
                    f"{what}: 429 {error_message(response)}",
                    retryable=True,
                    status=429,
                    retry_after=float(wait),
                )
            return None
        # a wrong token answers 401 Unauthorized, a malformed one 404 Not Found
        if status == 401 or (
            status == 404 and isinstance(body, dict) and body.get("description") == "Not Found"
        ):
            return PlatformError(
                f"{what}: {status} {error_message(response)}; check the bot token in {variable} "
                "(@BotFather → /mybots → API Token)",
                retryable=False,
                status=status,
                auth=True,
            )
        if status == 403:
            return PlatformError(
                f"{what}: 403 {error_message(response)}; make the bot an administrator of the "
                "channel, allowed to post and delete messages",
                retryable=False,
                status=status,
                auth=True,
            )
        return None

    return classify
