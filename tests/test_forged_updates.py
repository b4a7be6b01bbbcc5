"""Updates no real client sends but anyone can post to a webhook: each gets a polite, specific reply."""

from __future__ import annotations

from pathlib import Path

import pytest
from telegram import Update

from bot.services import Services
from bot.settings import Settings
from bot.telegram import texts
from tests.support.archive import copy_index
from tests.support.bot import bot_settings, deliver, recorded_app, with_onnx_export


@pytest.fixture(scope="module")
def settings(seed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = copy_index(with_onnx_export(seed_data_dir), tmp_path_factory.mktemp("forged") / "data")
    return bot_settings(data_dir)


async def test_a_question_with_a_lone_surrogate_is_answered(settings: Settings, services: Services) -> None:
    async with recorded_app(settings, services) as (app, request):
        request.api.push_message(61, "Who is the president of Belarus?\ud800")
        await deliver(app, request)
        [reply] = request.sent_messages(61)
    assert reply["text"] != texts.ERROR and "Lukashenko" in reply["text"]


@pytest.mark.parametrize("data", [None, "x:unknown", "q:zz:1"])
async def test_a_button_press_without_usable_data_is_answered_quietly(
    settings: Settings, services: Services, data: str | None
) -> None:
    async with recorded_app(settings, services) as (app, request):
        request.api.push_message(62, "/sources")
        await deliver(app, request)
        [listing] = request.sent_messages(62)
        request.api.push_callback_query(62, listing["message_id"], "p:0")
        update = request.api.pending_updates[-1]
        if data is None:
            del update["callback_query"]["data"]
        else:
            update["callback_query"]["data"] = data
        await app.process_update(Update.de_json(update, app.bot))
        [answered] = request.api.answered_callbacks
    assert answered.get("text") == texts.STALE_BUTTON and not answered.get("show_alert")
    assert len(request.sent_messages(62)) == 1
