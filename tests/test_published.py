"""One archive built once and served everywhere: a writer publishes, copies follow by revision.

Copies never embed: they take the writer's rows (chunk ids included) and answer the same.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from index.archive import Archive
from index.config import IndexSettings
from index.errors import ModelMismatch
from index.models import Article
from index.published import follow, open_copy, publish, read_current
from tests.support.archive import FakeEmbedder, seed_articles

MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def settings(data_dir: Path, model: str = MODEL) -> IndexSettings:
    return IndexSettings(data_dir=data_dir, model=model, chunk_tokens=40)


def water(stations: int) -> Article:
    return Article(
        title="Water summit in Astana",
        paragraphs=(f"Ministers agreed to build {stations} monitoring stations on the Syr Darya.",),
        url="https://news.example/water",
        origin="https://news.example/water",
    )


def same_search(one: Archive, other: Archive, query: str) -> bool:
    return [(h.chunk_id, h.text) for h in one.search(query, 5)] == [
        (h.chunk_id, h.text) for h in other.search(query, 5)
    ]


@pytest.fixture
def writer(tmp_path: Path, fake_embedder: FakeEmbedder) -> Archive:
    archive = Archive.for_build(settings(tmp_path / "writer"), fake_embedder)
    archive.add(seed_articles(), replace_all=True)
    return archive


def test_a_copy_answers_like_the_writer_through_adds_updates_removals_and_compaction(
    writer: Archive, tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    shared = tmp_path / "published"
    assert publish(writer, shared).startswith("base ")
    copy = open_copy(shared, tmp_path / "replica" / "copies", settings(tmp_path / "replica"), fake_embedder)
    assert copy.counts() == writer.counts() and same_search(writer, copy, "Kazgeology agreement")

    writer.add([("water", water(14))])
    assert publish(writer, shared).startswith("delta ")
    assert publish(writer, shared) == ""  # nothing new
    assert follow(copy, shared, tmp_path / "replica" / "copies").startswith("applied delta-")
    assert copy.revision == writer.revision and same_search(writer, copy, "monitoring stations Syr Darya")

    writer.add([("water", water(15))])  # the same article, changed: replaces its old version
    [russia] = [d for d in writer.documents() if "Russia" in d.title]
    writer.remove(russia.doc_id)
    publish(writer, shared)
    follow(copy, shared, tmp_path / "replica" / "copies")
    assert {d.doc_id for d in copy.documents()} == {d.doc_id for d in writer.documents()}
    assert "15 monitoring" in copy.search("monitoring stations", 1)[0].text
    assert copy.counts() == writer.counts()

    writer.compact()
    assert publish(writer, shared).startswith("base ")
    assert follow(copy, shared, tmp_path / "replica" / "copies").startswith("switched to base-")
    assert same_search(writer, copy, "monitoring stations Syr Darya") and copy.counts() == writer.counts()
    assert len(list((tmp_path / "replica" / "copies").glob("base-*"))) == 1  # the old copy is gone


def test_a_copy_refuses_an_archive_of_another_model(writer: Archive, tmp_path: Path) -> None:
    shared = tmp_path / "published"
    publish(writer, shared)
    with pytest.raises(ModelMismatch, match="rebuild"):
        open_copy(
            shared,
            tmp_path / "copies",
            settings(tmp_path, model="intfloat/multilingual-e5-small"),
            FakeEmbedder(),
        )


def test_a_copy_that_missed_a_change_waits_for_the_next_base(
    writer: Archive, tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    shared, home = tmp_path / "published", tmp_path / "replica" / "copies"
    publish(writer, shared)
    copy = open_copy(shared, home, settings(tmp_path / "replica"), fake_embedder)
    writer.add([("water", water(14))])
    publish(writer, shared)
    current = read_current(shared)
    assert current is not None
    (shared / "deltas" / current["deltas"][0]).unlink()  # lost on the way
    writer.add([("rail", Article("Rail link opens", ("The rail link carries 20 trains a day.",)))])
    publish(writer, shared)
    assert follow(copy, shared, home) == ""  # the next delta starts where the lost one ended
    writer.compact()
    publish(writer, shared)
    follow(copy, shared, home)
    assert copy.counts() == writer.counts() and copy.revision == writer.revision
