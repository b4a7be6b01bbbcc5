"""The bot compacts the index in a process of its own once enough has changed, and answers from it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.services import open_bot_services
from bot.telegram.context import BotServices
from bot.telegram.jobs import compact_when_due
from index.archive import Archive
from index.config import IndexSettings
from index.models import Article
from tests.support.archive import FakeEmbedder
from tests.support.bot import bot_settings


async def test_the_bot_starts_one_compaction_when_due_and_then_answers_from_its_segment(
    seed_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("index.archive.FRESH_LIMIT", 0)  # any change makes compaction due
    settings = bot_settings(seed_copy)
    core = open_bot_services(settings)
    services = BotServices.create(settings, core)
    try:
        core.archive.load()
        before = core.archive._derived.segment.name if core.archive._derived else ""
        writer = Archive.open(
            IndexSettings(data_dir=seed_copy, model=settings.embedding_model), FakeEmbedder(), readonly=False
        )
        writer.add([("rail", Article("Rail terminal", ("Dostyk handles 400 containers a day.",), url="r"))])
        writer.close()
        assert core.archive.refresh()
        await compact_when_due(services)
        first = services.compaction
        assert first is not None
        await compact_when_due(services)  # one at a time
        assert services.compaction is first
        assert await asyncio.wait_for(first.wait(), 120) == 0
        core.archive.refresh()
        derived = core.archive._derived
        assert derived is not None and derived.segment.name != before and derived.fresh.count == 0
        assert "400 containers" in core.answering.archive.search("containers at Dostyk", 1)[0].text
        await compact_when_due(services)  # nothing changed since
        assert services.compaction is first
    finally:
        core.close()
