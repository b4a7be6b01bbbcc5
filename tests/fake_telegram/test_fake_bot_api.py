"""The Telegram test doubles must fail where Telegram fails, or bot tests prove nothing.

Driven through a real telegram.Bot: over HTTP against FakeBotApi, in-process with RecordingRequest.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, CommandHandler, ContextTypes

from tests.fake_telegram import FakeBotApi, RecordingRequest

CHAT = 4242


@pytest.fixture
def telegram() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        server.add_chat(CHAT)
        yield server


def http_bot(server: FakeBotApi) -> Bot:
    return Bot(server.token, base_url=server.base_url)


def offline_bot(request: RecordingRequest) -> Bot:
    return Bot(request.api.token, request=request, get_updates_request=request)


def says(description: str) -> re.Pattern[str]:
    """Matches a Telegram error text as PTB shows it: "Bad Request: x" becomes "X", lower-cased after."""
    return re.compile(re.escape(description), re.IGNORECASE)


def seconds(retry_after: int | dt.timedelta) -> float:
    """RetryAfter.retry_after is an int in PTB 22 and becomes a timedelta later."""
    return retry_after.total_seconds() if isinstance(retry_after, dt.timedelta) else retry_after


# The server, through PTB over HTTP


async def test_get_me_tells_the_bot_its_own_username(telegram: FakeBotApi) -> None:
    async with http_bot(telegram) as bot:
        assert bot.username == "dossier_test_bot"
        assert bot.id == 123456
    assert [call.method for call in telegram.calls] == ["getMe"]


async def test_html_reply_is_delivered_with_markup_stripped(telegram: FakeBotApi) -> None:
    async with http_bot(telegram) as bot:
        first = await bot.send_message(CHAT, "<b>Answer</b> &amp; source [1]", parse_mode=ParseMode.HTML)
        second = await bot.send_message(CHAT, "plain", reply_to_message_id=first.message_id)
        with pytest.raises(BadRequest, match=says("message to be replied not found")):
            await bot.send_message(CHAT, "plain", reply_to_message_id=999)
    assert (first.text, first.message_id, second.message_id) == ("Answer & source [1]", 1, 2)
    assert first.entities[0].type == "bold" and first.from_user is not None
    assert first.from_user.username == "dossier_test_bot"
    assert second.reply_to_message is not None and second.reply_to_message.message_id == 1
    stored = telegram.sent_messages(CHAT)[0]
    assert stored["_params"]["text"] == "<b>Answer</b> &amp; source [1]"
    assert telegram.calls_to("sendMessage")[0].params["chat_id"] == CHAT


@pytest.mark.parametrize("markup", ["a < b", "<b>unclosed", "<br>", "<b>x</i>", "AT&T", "<span>s</span>"])
async def test_invalid_html_is_refused_as_telegram_refuses_it(telegram: FakeBotApi, markup: str) -> None:
    async with http_bot(telegram) as bot:
        with pytest.raises(BadRequest, match=says("can't parse entities")):
            await bot.send_message(CHAT, markup, parse_mode=ParseMode.HTML)
    assert telegram.sent_messages() == []


async def test_too_long_text_is_refused_counting_utf16_after_markup(telegram: FakeBotApi) -> None:
    async with http_bot(telegram) as bot:
        # Markup does not count: 4096 visible characters are accepted.
        await bot.send_message(CHAT, f"<b>{'a' * 4096}</b>", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match=says("message is too long")):
            await bot.send_message(CHAT, "😀" * 2049)  # 2049 characters, 4098 UTF-16 code units
        with pytest.raises(BadRequest, match=says("message text is empty")):
            await bot.send_message(CHAT, "<b> </b>", parse_mode=ParseMode.HTML)


async def test_unknown_or_deleted_chat_is_chat_not_found(telegram: FakeBotApi) -> None:
    telegram.delete_chat(CHAT)
    async with http_bot(telegram) as bot:
        for chat_id in (999, CHAT):
            with pytest.raises(BadRequest, match=says("chat not found")):
                await bot.send_message(chat_id, "hello")


async def test_user_who_blocked_the_bot_raises_forbidden(telegram: FakeBotApi) -> None:
    telegram.block_chat(CHAT)
    async with http_bot(telegram) as bot:
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(CHAT, "news")


async def test_flood_control_raises_retry_after_then_recovers(telegram: FakeBotApi) -> None:
    telegram.fail_next("sendMessage", retry_after=3)
    async with http_bot(telegram) as bot:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(CHAT, "one")
        assert seconds(caught.value.retry_after) == 3
        await bot.send_message(CHAT, "two")
    assert [call.status for call in telegram.calls_to("sendMessage")] == [429, 200]


async def test_enforced_limits_refuse_a_second_message_to_one_user_within_a_second() -> None:
    with FakeBotApi(enforce_limits=True) as server:
        server.add_chat(CHAT)
        async with http_bot(server) as bot:
            await bot.send_message(CHAT, "one")
            with pytest.raises(RetryAfter):
                await bot.send_message(CHAT, "two")


async def test_long_poll_returns_a_pushed_update_and_offset_confirms_it(telegram: FakeBotApi) -> None:
    async with http_bot(telegram) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=5))
        assert await telegram.wait_for_async(lambda: bool(telegram.calls_to("getUpdates")), timeout=2)
        telegram.push_message(CHAT, "/start@dossier_test_bot hi")
        updates = await asyncio.wait_for(poll, timeout=2)
        message = updates[0].message
        assert len(updates) == 1 and message is not None and message.text == "/start@dossier_test_bot hi"
        assert (message.entities[0].type, message.entities[0].length) == ("bot_command", 23)
        again = await bot.get_updates(timeout=0)
        assert [u.update_id for u in again] == [updates[0].update_id]  # not confirmed yet
        assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()
    assert telegram.pending_updates == []


async def test_a_second_poller_ends_the_first_with_conflict(telegram: FakeBotApi) -> None:
    async with http_bot(telegram) as first, http_bot(telegram) as second:
        older = asyncio.create_task(first.get_updates(timeout=5))
        assert await telegram.wait_for_async(lambda: len(telegram.calls_to("getUpdates")) == 1, timeout=2)
        await second.get_updates(timeout=0)
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(older, timeout=2)


async def test_webhook_is_recorded_and_blocks_polling(telegram: FakeBotApi) -> None:
    async with http_bot(telegram) as bot:
        await bot.set_webhook("https://dossier.example/telegram", secret_token="s3cret_-X")
        assert telegram.webhook is not None and telegram.webhook["secret_token"] == "s3cret_-X"
        assert (await bot.get_webhook_info()).url == "https://dossier.example/telegram"
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        with pytest.raises(BadRequest, match=says("HTTPS URL")):
            await bot.set_webhook("http://dossier.example/telegram")
        await bot.delete_webhook()
        assert telegram.webhook is None


async def test_webhook_updates_are_posted_with_the_secret_header(telegram: FakeBotApi) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers.get("X-Telegram-Bot-Api-Secret-Token"), json.loads(body)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    receiver = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, args=(0.02,), daemon=True).start()
    try:
        async with http_bot(telegram) as bot:
            await bot.set_webhook(f"http://127.0.0.1:{receiver.server_address[1]}/hook", secret_token="abc")
        telegram.push_message(CHAT, "hello")
        assert await telegram.wait_for_async(lambda: not telegram.pending_updates, timeout=5)
    finally:
        receiver.shutdown()
        receiver.server_close()
    assert received[0][0] == "abc" and received[0][1]["message"]["text"] == "hello"


async def test_inline_keyboard_buttons_are_validated_and_callbacks_answered_once(
    telegram: FakeBotApi,
) -> None:
    async with http_bot(telegram) as bot:
        too_long = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="x" * 65)]])
        with pytest.raises(BadRequest, match=says("BUTTON_DATA_INVALID")):
            await bot.send_message(CHAT, "answer", reply_markup=too_long)
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Sources", callback_data="src:1")]])
        sent = await bot.send_message(CHAT, "answer", reply_markup=keyboard)
        assert sent.reply_markup == keyboard
        query_id = telegram.push_callback_query(CHAT, sent.message_id, "src:1")
        await bot.answer_callback_query(query_id, text="Opening sources")
        with pytest.raises(BadRequest, match=says("query is too old")):
            await bot.answer_callback_query(query_id)
    assert telegram.answered_callbacks[0]["text"] == "Opening sources"


async def test_edits_apply_and_an_unchanged_edit_is_refused(telegram: FakeBotApi) -> None:
    async with http_bot(telegram) as bot:
        sent = await bot.send_message(CHAT, "Searching…")
        edited = await bot.edit_message_text("<i>Found</i>", CHAT, sent.message_id, parse_mode=ParseMode.HTML)
        assert isinstance(edited, Message) and edited.text == "Found" and edited.edit_date is not None
        with pytest.raises(BadRequest, match=says("message is not modified")):
            await bot.edit_message_text("<i>Found</i>", CHAT, sent.message_id, parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match=says("message to edit not found")):
            await bot.edit_message_text("x", CHAT, 999)
    assert [m["text"] for m in telegram.sent_messages(CHAT)] == ["Found"]


async def test_commands_and_inline_answers_are_checked_and_recorded(telegram: FakeBotApi) -> None:
    async with http_bot(telegram) as bot:
        await bot.set_my_commands([("ask", "Ask the archive"), ("help", "How to use Dossier")])
        assert [c.command for c in await bot.get_my_commands()] == ["ask", "help"]
        with pytest.raises(BadRequest, match=says("BOT_COMMAND_INVALID")):
            await bot.set_my_commands([("Ask-Me", "bad name")])
        query_id = telegram.push_inline_query("election")
        result = InlineQueryResultArticle("1", "Result", InputTextMessageContent("<b>x</b>", ParseMode.HTML))
        with pytest.raises(BadRequest, match=says("RESULT_ID_DUPLICATE")):
            await bot.answer_inline_query(query_id, [result, result])
        await bot.answer_inline_query(query_id, [result])
    assert telegram.commands[0]["command"] == "ask"
    assert telegram.inline_answers[0]["inline_query_id"] == query_id


def test_raw_http_speaks_every_encoding_and_telegrams_error_shapes(telegram: FakeBotApi) -> None:
    url = f"{telegram.base_url}{telegram.token}"
    with httpx.Client() as client:
        assert client.get(f"{telegram.base_url}123:WRONG/getMe").json() == {
            "ok": False,
            "error_code": 401,
            "description": "Unauthorized",
        }
        assert client.post(f"{url}/sendPhoto").json()["error_code"] == 404
        sent = [
            client.get(f"{url}/sendMessage", params={"chat_id": CHAT, "text": "query"}),
            client.post(f"{url}/sendMessage", data={"chat_id": str(CHAT), "text": "form"}),
            client.post(f"{url}/sendMessage", json={"chat_id": CHAT, "text": "json"}),
            client.post(f"{url}/SENDMESSAGE", files={"chat_id": (None, str(CHAT)), "text": (None, "multi")}),
        ]
    assert [r.json()["result"]["text"] for r in sent] == ["query", "form", "json", "multi"]


def test_waiting_for_a_reply_that_never_comes_explains_what_the_bot_did(telegram: FakeBotApi) -> None:
    telegram.push_message(CHAT, "hello")
    with pytest.raises(
        AssertionError, match=r"expected 1 message\(s\) in chat 4242(.|\n)*pending updates: 1"
    ):
        telegram.wait_for_messages(CHAT, timeout=0.05)


async def test_a_polling_application_answers_a_command_end_to_end(telegram: FakeBotApi) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html("<b>Welcome</b>")

    app = Application.builder().token(telegram.token).base_url(telegram.base_url).build()
    app.add_handler(CommandHandler("start", start))
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1, drop_pending_updates=True)
        await app.start()
        telegram.push_message(CHAT, "/start")
        reply = (await telegram.wait_for_messages_async(CHAT, timeout=5))[0]
        await app.updater.stop()
        await app.stop()
    assert reply["text"] == "Welcome"
    assert telegram.pending_updates == []


# RecordingRequest, in-process


async def test_recording_request_answers_like_the_server_without_http() -> None:
    request = RecordingRequest()
    async with offline_bot(request) as bot:
        assert bot.username == "dossier_test_bot"
        sent = await bot.send_message(77, "<b>Hi</b>", parse_mode=ParseMode.HTML)  # any chat id works here
        assert (sent.text, sent.chat_id, sent.message_id) == ("Hi", 77, 1)
        with pytest.raises(BadRequest, match=says("can't parse entities")):
            await bot.send_message(77, "1 < 2", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match=says("message is too long")):
            await bot.send_message(77, "a" * 4097)
    assert [call.method for call in request.calls] == ["getMe", "sendMessage", "sendMessage", "sendMessage"]
    assert request.calls_to("sendMessage")[0].params["parse_mode"] == "HTML"
    assert request.sent_messages(77)[0]["_params"]["text"] == "<b>Hi</b>"


async def test_recording_request_injects_telegram_errors() -> None:
    request = RecordingRequest()
    request.fail_next("sendMessage", retry_after=5)
    request.api.block_chat(8)
    request.api.delete_chat(9)
    async with offline_bot(request) as bot:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(7, "x")
        assert seconds(caught.value.retry_after) == 5
        with pytest.raises(Forbidden):
            await bot.send_message(8, "x")
        with pytest.raises(BadRequest, match=says("chat not found")):
            await bot.send_message(9, "x")


async def test_recording_request_results_can_be_overridden_and_gaps_are_named() -> None:
    request = RecordingRequest()
    request.set_result(
        "getChatMember",
        {
            "status": "administrator",
            "user": {"id": 5, "is_bot": False, "first_name": "A"},
            "can_be_edited": False,
            "is_anonymous": False,
            "can_manage_chat": True,
            "can_delete_messages": True,
            "can_manage_video_chats": True,
            "can_restrict_members": True,
            "can_promote_members": False,
            "can_change_info": True,
            "can_invite_users": True,
            "can_post_stories": False,
            "can_edit_stories": False,
            "can_delete_stories": False,
        },
    )
    async with offline_bot(request) as bot:
        assert (await bot.get_chat_member(-100, 5)).status == "administrator"
        with pytest.raises(NetworkError, match="set_result"):
            await bot.send_photo(7, b"not really a photo")
        await bot.set_webhook("https://dossier.example/hook", secret_token="tok")
    assert request.api.webhook is not None and request.api.webhook["secret_token"] == "tok"


async def test_recording_request_delivers_pushed_updates_to_get_updates() -> None:
    request = RecordingRequest()
    request.api.push_message(7, "what happened in Lyon?")
    async with offline_bot(request) as bot:
        updates = await bot.get_updates(timeout=1)
        assert updates[0].message is not None and updates[0].message.text == "what happened in Lyon?"
        assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()


async def test_wrong_token_is_rejected_by_the_server(telegram: FakeBotApi) -> None:
    bot = Bot("999:WRONG", base_url=telegram.base_url)
    with pytest.raises(InvalidToken):
        await bot.initialize()
    await bot.shutdown()
