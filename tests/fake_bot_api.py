"""A fake Telegram Bot API server for tests: aiohttp on 127.0.0.1, a free port, no network.

It serves `/bot<token>/<method>` the way Telegram does (form, multipart or JSON parameters in;
`{"ok": ..., "result": ...}` out), long-polls `getUpdates` from a queue the test fills, records
every call, and can be told to misbehave for the next few calls of a method.

    async with FakeBotApi(TOKEN) as fake:
        bot = Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url)
        await fake.push_message("/start", user_id=7)
        [call] = await fake.wait_for_call("sendMessage")
        assert call.params["chat_id"] == "7"

Parameters are recorded as the client sent them: PTB sends strings, with objects (reply_markup,
results, commands, ...) JSON-encoded; those are decoded, everything else stays a string.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from aiohttp import web

from tests.html_check import assert_valid_telegram_html

# Parameters PTB sends JSON-encoded; decoded when recorded so tests can look inside them.
JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "results",
        "commands",
        "entities",
        "caption_entities",
        "allowed_updates",
        "scope",
        "link_preview_options",
        "reply_parameters",
        "button",
    }
)
# Longest a getUpdates call is held open, whatever timeout the client asks for.
MAX_LONG_POLL = 5.0

BOT_USERNAME = "fake_outreach_bot"
# A well-formed token for the fake (Telegram knows no such bot).
TOKEN = "123456789:AAHfakeTOKENforTESTSonly_0123456789ab"

# Minimal valid payloads for the message kinds the bot must refuse politely.
ATTACHMENTS: dict[str, dict[str, Any]] = {
    "sticker": {
        "sticker": {
            "file_id": "sticker-1",
            "file_unique_id": "u-sticker-1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
    },
    "photo": {
        "photo": [{"file_id": "photo-1", "file_unique_id": "u-photo-1", "width": 90, "height": 90}]
    },
    "voice": {"voice": {"file_id": "voice-1", "file_unique_id": "u-voice-1", "duration": 3}},
    "location": {"location": {"latitude": 13.75, "longitude": 100.5}},
    "contact": {"contact": {"phone_number": "+66000000000", "first_name": "Somchai"}},
    "document": {
        "document": {
            "file_id": "document-1",
            "file_unique_id": "u-document-1",
            "file_name": "notes.pdf",
            "mime_type": "application/pdf",
        }
    },
}


@dataclass(frozen=True)
class Fault:
    """One way a call can go wrong; build with the class methods."""

    kind: str  # "error", "raw", "drop" or "delay"
    status: int = 0
    description: str = ""  # the error's description, or the whole body for "raw"
    retry_after: int | None = None
    seconds: float = 0.0
    migrate_to_chat_id: int | None = None

    @classmethod
    def too_many_requests(cls, retry_after: int = 1) -> Fault:
        """HTTP 429 with `parameters.retry_after`, as Telegram's flood control answers."""
        return cls(
            "error", 429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
        )

    @classmethod
    def chat_migrated(cls, new_chat_id: int) -> Fault:
        """HTTP 400 with `parameters.migrate_to_chat_id`: the group became a supergroup."""
        return cls(
            "error",
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            migrate_to_chat_id=new_chat_id,
        )

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        """A 5xx answer with Telegram's error body."""
        return cls("error", status, "Internal Server Error")

    @classmethod
    def error(cls, status: int, description: str) -> Fault:
        """Any Bot API error, e.g. 400 'Bad Request: message is not modified'."""
        return cls("error", status, description)

    @classmethod
    def drop(cls) -> Fault:
        """Close the connection without answering."""
        return cls("drop")

    @classmethod
    def malformed(cls) -> Fault:
        """HTTP 200 with a body that is not JSON (a proxy's error page, say)."""
        return cls.raw(200, "<html>502 Bad Gateway</html>")

    @classmethod
    def raw(cls, status: int, body: str) -> Fault:
        """Any status with any body, e.g. valid JSON of the wrong shape."""
        return cls("raw", status, body)

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Answer normally, but only after `seconds`."""
        return cls("delay", seconds=seconds)


@dataclass
class Call:
    """One request the fake received."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str | None, bytes]] = field(default_factory=dict)
    fault: Fault | None = None
    at: float = field(default_factory=time.monotonic)
    #: What the fake answered (e.g. the message it "sent"), once it has answered.
    result: Any = None

    @property
    def ok(self) -> bool:
        """Whether the call was answered normally (a delay still counts as normal)."""
        return self.fault is None or self.fault.kind == "delay"

    @property
    def chat_id(self) -> int:
        """The chat the call was about, as a number."""
        return int(self.params["chat_id"])

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        """The inline keyboard sent with the call, row by row (empty if none)."""
        markup = self.params.get("reply_markup") or {}
        rows: list[list[dict[str, Any]]] = markup.get("inline_keyboard", [])
        return rows

    @property
    def payloads(self) -> list[str]:
        """Every button's callback data, in order."""
        return [button["callback_data"] for row in self.buttons for button in row]


class FakeBotApi:
    """The fake server. Use as `async with FakeBotApi(token) as fake:`."""

    def __init__(self, token: str, *, username: str = BOT_USERNAME) -> None:
        self.token = token
        self.bot_user: dict[str, Any] = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "Outreach Bot",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }
        self.calls: list[Call] = []
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._chat_types: dict[int, str] = {}
        #: What getChat answers, by chat id (unknown ids get 400 "chat not found").
        self.chats: dict[int, dict[str, Any]] = {}
        self._faults: dict[str, list[Fault]] = {}
        #: Chats that blocked the bot: every call about one of them fails with 403, as on Telegram.
        self.blocked_chats: set[int] = set()
        #: Groups that became supergroups (old id -> new id): writing to the old id fails with
        #: 400 and the new id, as on Telegram.
        self.migrated_chats: dict[int, int] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._closing = False
        #: Called with every call as it arrives (the interactive mode prints them).
        self.on_call: Callable[[Call], None] | None = None
        self.port = 0

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self, port: int = 0) -> None:
        """Listen on 127.0.0.1, on `port` (by default one the OS picks)."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=0.5
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", port))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def close(self) -> None:
        """Stop listening and let every waiting long poll return."""
        async with self._changed:
            self._closing = True
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """What to give PTB as `base_url`."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """What to give PTB as `base_file_url`."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # --- what the test does: queue updates, inject faults, wait for calls ------------------------

    def inject(
        self, method: str, fault: Fault, times: int = 1, *, chat_id: int | None = None
    ) -> None:
        """Make the next `times` calls of `method` (about `chat_id` only, if given) go wrong in
        the way `fault` says."""
        key = method if chat_id is None else f"{method}:{chat_id}"
        self._faults.setdefault(key, []).extend([fault] * times)

    async def push_update(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue a raw update of `kind` ("message", "callback_query", ...); returns its id."""
        update_id = next(self._update_ids)
        async with self._changed:
            self._updates.append({"update_id": update_id, kind: payload})
            self._changed.notify_all()
        return update_id

    async def push_message(
        self,
        text: str | None = None,
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        language_code: str | None = "en",
        username: str | None = None,
        reply_to_bot: bool = False,
        edited: bool = False,
        attachment: str | None = None,
        **fields: Any,
    ) -> int:
        """Queue a message from a user; commands and @mentions get their entities.

        Args:
            chat_id: defaults to the user's id in private chats, to `-user_id` in groups.
            reply_to_bot: make it a reply to an earlier message from the bot.
            edited: send it as an `edited_message` update.
            attachment: one of ATTACHMENTS ("sticker", "photo", "voice", ...).
            fields: any other message fields, merged in as they are.
        """
        if chat_id is None:
            chat_id = user_id if chat_type == "private" else -user_id
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id, chat_type),
            "from": self._user(user_id, language_code, username),
        }
        if text is not None:
            message["text"] = text
            entities = _entities(text)
            if entities:
                message["entities"] = entities
        if reply_to_bot:
            message["reply_to_message"] = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": self._chat(chat_id, chat_type),
                "from": self.bot_user,
                "text": "An earlier answer.",
            }
        if attachment is not None:
            message.update(ATTACHMENTS[attachment])
        if edited:
            message["edit_date"] = int(time.time())
        message.update(fields)
        return await self.push_update("edited_message" if edited else "message", message)

    async def push_callback(
        self,
        data: str,
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        message_id: int | None = None,
        language_code: str | None = "en",
    ) -> int:
        """Queue a button press on one of the bot's messages."""
        if chat_id is None:
            chat_id = user_id if chat_type == "private" else -user_id
        return await self.push_update(
            "callback_query",
            {
                "id": f"cq-{next(self._message_ids)}",
                "from": self._user(user_id, language_code, None),
                "chat_instance": f"ci-{chat_id}",
                "data": data,
                "message": {
                    "message_id": message_id or next(self._message_ids),
                    "date": int(time.time()),
                    "chat": self._chat(chat_id, chat_type),
                    "from": self.bot_user,
                    "text": "An earlier menu.",
                },
            },
        )

    async def push_inline(
        self, query: str, *, user_id: int = 1001, language_code: str | None = "en"
    ) -> int:
        """Queue an inline query (`@bot query` typed in any chat)."""
        return await self.push_update(
            "inline_query",
            {
                "id": f"iq-{next(self._message_ids)}",
                "from": self._user(user_id, language_code, None),
                "query": query,
                "offset": "",
                "chat_type": "sender",
            },
        )

    def add_file(self, content: bytes, file_name: str = "file.bin") -> str:
        """Store a file users can send; returns its file_id (getFile and downloads serve it)."""
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = (f"documents/{file_id}-{file_name}", content)
        return file_id

    def calls_of(self, method: str, *, since: int = 0, failed: bool = False) -> list[Call]:
        """Calls of `method` from index `since` on; answered ones only unless `failed`."""
        return [
            call for call in self.calls[since:] if call.method == method and (failed or call.ok)
        ]

    def mark(self) -> int:
        """A position in the call log, for `since=`: only calls after it count."""
        return len(self.calls)

    async def wait_for_call(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - one call reads better in tests than a block
        *,
        since: int = 0,
    ) -> list[Call]:
        """Wait until `method` was answered `count` times (from `since`); return those calls."""
        await self.wait_until(lambda: len(self.calls_of(method, since=since)) >= count, timeout)
        return self.calls_of(method, since=since)[:count]

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - as in wait_for_call
    ) -> None:
        """Wait until `predicate()` holds, re-checking after every call."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(predicate)

    @property
    def pending_updates(self) -> int:
        """Updates queued but not yet confirmed by the client's getUpdates offset."""
        return len(self._updates)

    # --- the server ------------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params, files = await _read_params(request)
        queue = self._faults.get(f"{method}:{_chat_id(params)}") or self._faults.get(method)
        fault = queue.pop(0) if queue else None
        if fault is None and _chat_id(params) in self.blocked_chats:
            fault = Fault.error(403, "Forbidden: bot was blocked by the user")
        if fault is None and (new_id := self.migrated_chats.get(_chat_id(params) or 0)):
            fault = Fault.chat_migrated(new_id)
        call = Call(method, params, files, fault)
        await self._record(call)

        if fault is not None and fault.kind == "delay":
            await asyncio.sleep(fault.seconds)
        elif fault is not None and fault.kind == "error":
            return _error(
                fault.status, fault.description, fault.retry_after, fault.migrate_to_chat_id
            )
        elif fault is not None and fault.kind == "raw":
            return web.Response(status=fault.status, text=fault.description)
        elif fault is not None and fault.kind == "drop":
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=200)

        handler = self._methods.get(method)
        if handler is None:
            return _error(404, "Not Found")
        try:
            _check_html(params)
            result = await handler(self, params, files)
        except _BadRequest as exc:
            return _error(400, f"Bad Request: {exc}")
        async with self._changed:
            call.result = result
            self._changed.notify_all()
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        for file_path, content in self.files.values():
            if file_path == request.match_info["path"]:
                return web.Response(body=content)
        return _error(404, "Not Found")

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        if self.on_call is not None:
            self.on_call(call)

    # --- Bot API methods -------------------------------------------------------------------------

    async def _get_me(self, params: dict[str, Any], files: Any) -> Any:
        return self.bot_user

    async def _get_updates(self, params: dict[str, Any], files: Any) -> Any:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), MAX_LONG_POLL)
        async with self._changed:
            # An offset confirms every update before it, as on Telegram.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates and timeout > 0:
                try:
                    async with asyncio.timeout(timeout):
                        await self._changed.wait_for(lambda: bool(self._updates) or self._closing)
                except TimeoutError:
                    pass
            limit = int(params.get("limit") or 100)
            return self._updates[:limit]

    async def _send_message(self, params: dict[str, Any], files: Any) -> Any:
        text = params.get("text", "")
        if not text:
            raise _BadRequest("message text is empty")
        if len(text) > 4096:
            raise _BadRequest("message is too long")
        return self._bot_message(params, text=text)

    async def _edit_message_text(self, params: dict[str, Any], files: Any) -> Any:
        if "inline_message_id" in params:
            return True
        text = params.get("text", "")
        if len(text) > 4096:
            raise _BadRequest("MESSAGE_TOO_LONG")
        return self._bot_message(params, text=text, message_id=int(params["message_id"]))

    async def _true(self, params: dict[str, Any], files: Any) -> Any:
        return True

    async def _send_photo(self, params: dict[str, Any], files: Any) -> Any:
        size = {"file_id": "sent-photo", "file_unique_id": "u-sent-photo", "width": 800}
        return self._bot_message(params, photo=[{**size, "height": 600}])

    async def _send_document(self, params: dict[str, Any], files: Any) -> Any:
        name = next((name for name, _ in files.values() if name), "document")
        document = {"file_id": "sent-doc", "file_unique_id": "u-sent-doc", "file_name": name}
        return self._bot_message(params, document=document)

    async def _get_chat(self, params: dict[str, Any], files: Any) -> Any:
        chat = self.chats.get(_chat_id(params) or 0)
        if chat is None:
            raise _BadRequest("chat not found")
        return chat

    async def _get_file(self, params: dict[str, Any], files: Any) -> Any:
        file_id = params.get("file_id", "")
        if file_id not in self.files:
            raise _BadRequest("invalid file_id")
        file_path, content = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": len(content),
            "file_path": file_path,
        }

    _methods: ClassVar[Mapping[str, Callable[[FakeBotApi, dict[str, Any], Any], Any]]] = {
        "getMe": _get_me,
        "getUpdates": _get_updates,
        "sendMessage": _send_message,
        "editMessageText": _edit_message_text,
        "editMessageReplyMarkup": _true,
        "answerCallbackQuery": _true,
        "answerInlineQuery": _true,
        "setMyCommands": _true,
        "deleteMyCommands": _true,
        "deleteWebhook": _true,
        "setWebhook": _true,
        "sendChatAction": _true,
        "sendPhoto": _send_photo,
        "sendDocument": _send_document,
        "getFile": _get_file,
        "getChat": _get_chat,
        "close": _true,
    }

    # --- helpers ---------------------------------------------------------------------------------

    def _chat(self, chat_id: int, chat_type: str) -> dict[str, Any]:
        self._chat_types[chat_id] = chat_type
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = "Test"
        else:
            chat["title"] = "Test group"
        return chat

    @staticmethod
    def _user(user_id: int, language_code: str | None, username: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Test"}
        if language_code is not None:
            user["language_code"] = language_code
        if username is not None:
            user["username"] = username
        return user

    def _bot_message(
        self, params: dict[str, Any], *, message_id: int | None = None, **content: Any
    ) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": message_id or next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id, self._chat_types.get(chat_id, "private")),
            "from": self.bot_user,
            **content,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        if params.get("caption"):
            message["caption"] = params["caption"]
        return message


def _check_html(params: dict[str, Any]) -> None:
    """As Telegram: text or a caption sent as HTML must be HTML it can read."""
    if params.get("parse_mode") != "HTML":
        return
    for name in ("text", "caption"):
        if name in params:
            try:
                assert_valid_telegram_html(params[name])
            except AssertionError as error:
                raise _BadRequest(f"can't parse entities: {error}") from None


class _BadRequest(Exception):
    """The fake refuses the call with 400, as Telegram would."""


def _error(
    status: int,
    description: str,
    retry_after: int | None = None,
    migrate_to_chat_id: int | None = None,
) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    if migrate_to_chat_id is not None:
        body["parameters"] = {"migrate_to_chat_id": migrate_to_chat_id}
    return web.json_response(body, status=status)


async def _read_params(
    request: web.Request,
) -> tuple[dict[str, Any], dict[str, tuple[str | None, bytes]]]:
    """Parameters from the query string and a form, multipart or JSON body."""
    params: dict[str, Any] = dict(request.query)
    files: dict[str, tuple[str | None, bytes]] = {}
    if request.content_type == "application/json":
        body = await request.json() if request.can_read_body else {}
        params.update(body)
        return params, files
    if request.can_read_body:
        for name, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                files[name] = (value.filename, value.file.read())
            elif isinstance(value, str):
                params[name] = json.loads(value) if name in JSON_PARAMS else value
    return params, files


def _chat_id(params: dict[str, Any]) -> int | None:
    """The numeric chat_id of a call, if it has one."""
    try:
        return int(params["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None


def _entities(text: str) -> list[dict[str, Any]]:
    """Entities Telegram would attach: a leading /command and @mentions (UTF-16 offsets)."""
    entities: list[dict[str, Any]] = []
    position = 0
    for word in text.split(" "):
        offset = len(text[:position].encode("utf-16-le")) // 2
        length = len(word.encode("utf-16-le")) // 2
        if position == 0 and word.startswith("/") and len(word) > 1:
            entities.append({"type": "bot_command", "offset": offset, "length": length})
        elif word.startswith("@") and len(word) > 1:
            entities.append({"type": "mention", "offset": offset, "length": length})
        position += len(word) + 1
    return entities


# --- by hand: python -m tests.fake_bot_api ----------------------------------------------------

_USAGE = """\
Fake Bot API on {url}. In another terminal, run the bot against it:

  BOT_TOKEN={token} BOT_API_BASE_URL={url}/bot \\
    BOT_API_BASE_FILE_URL={url}/file/bot DATABASE_PATH=/tmp/fake-bot.sqlite3 python -m bot run

Then type here: a message (/start, a question, ...); !<data> presses a button (!k:trafficking);
?<text> is an inline query; Ctrl+D stops."""


def _show(call: Call) -> None:
    if call.method in ("sendMessage", "editMessageText"):
        print(f"\n<< {call.method}:\n{call.params.get('text', '')}")
        for row in call.buttons:
            print(
                "   "
                + "  ".join(
                    f"[{b['text']} | {b.get('callback_data') or b.get('url')}]" for b in row
                )
            )
    elif call.method == "answerInlineQuery":
        print("\n<< inline results: " + ", ".join(r["id"] for r in call.params["results"]))
    elif call.method not in ("getUpdates", "answerCallbackQuery"):
        print(f"\n<< {call.method}")


async def _interactive(port: int) -> None:
    fake = FakeBotApi(TOKEN)
    await fake.start(port)
    fake.on_call = _show
    print(_USAGE.format(url=f"http://127.0.0.1:{fake.port}", token=TOKEN))
    loop = asyncio.get_running_loop()
    try:
        while True:
            try:
                line = await loop.run_in_executor(None, input, "> ")
            except EOFError:
                return
            if line.startswith("!"):
                await fake.push_callback(line[1:])
            elif line.startswith("?"):
                await fake.push_inline(line[1:])
            elif line:
                await fake.push_message(line)
    finally:
        await fake.close()


if __name__ == "__main__":
    import sys

    asyncio.run(_interactive(int(sys.argv[1]) if len(sys.argv) > 1 else 8081))
