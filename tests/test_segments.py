"""The archive's search after adds, removals and compactions, in this process and in others.

Adds and removals only write SQLite; a reader follows them by reading only what changed, and
compaction folds them into a new segment. Whatever the path, searches must find what a freshly
built index finds, and a removed article must never come back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from index import compaction, manifest
from index.archive import Archive
from index.config import DB_NAME, IndexSettings
from index.embedding import Embedder
from index.errors import ModelMismatch
from index.lexical import tokenize
from index.models import Article
from tests.support.archive import FakeEmbedder, seed_articles

MODEL = "sentence-transformers/all-MiniLM-L6-v2"
QUERIES = [
    "Kazgeology",
    "butadiene",
    "88",
    "zebras counted in the reserve",
    "new rail terminal containers",
    "Who is the president of Belarus?",
    "solar plant power",
]


def settings(data_dir: Path) -> IndexSettings:
    return IndexSettings(data_dir=data_dir, model=MODEL, chunk_tokens=40)


def article(title: str, text: str, url: str) -> tuple[str, Article]:
    return url, Article(title=title, paragraphs=tuple(text.split("\n\n")), url=url, origin=url)


ZEBRAS = article("Zebra census", "Rangers counted 1234 zebras in the reserve.\n\nThe count was higher.", "z")
RAIL = article("Rail terminal", "The new terminal in Dostyk handles 400 containers a day.", "r")
SOLAR_1 = article("Solar plant", "The solar plant makes 50 MW of power.", "s")
SOLAR_2 = article("Solar plant", "The solar plant makes 70 MW of power after the upgrade.", "s")


class OneAtATime:
    """The real model, one text per batch: int8 vectors vary slightly with what shares their batch."""

    def __init__(self, model: Embedder):
        self.model = model
        self.name, self.dimension, self.max_tokens = model.name, model.dimension, model.max_tokens
        self.count_tokens = model.count_tokens
        self.embed_queries = model.embed_queries

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return np.vstack([self.model.embed_documents([t]) for t in texts])


def results(archive: Archive, query: str) -> list[tuple[str, str, float]]:
    """What a user sees for a query: passages with their title, and each retriever's score."""
    return [
        (h.document.title, h.text, round((h.dense_score or 0) + (h.lexical_score or 0), 4))
        for h in archive.search(query, 5)
    ]


def test_changes_then_compaction_give_what_a_fresh_build_gives(
    tmp_path: Path, real_embedder: Embedder
) -> None:
    embedder = OneAtATime(real_embedder)
    changed = Archive.for_build(settings(tmp_path / "changed"), embedder)
    changed.add(seed_articles(), replace_all=True)
    changed.add([ZEBRAS, SOLAR_1])
    changed.add([RAIL, SOLAR_2])  # SOLAR_2 replaces SOLAR_1: same URL
    changed.remove(next(d.doc_id for d in changed.documents() if d.title == "Zebra census"))
    fresh = Archive.for_build(settings(tmp_path / "fresh"), embedder)
    fresh.add([*seed_articles(), RAIL, SOLAR_2], replace_all=True)
    before = {q: [r[:2] for r in results(changed, q)] for q in QUERIES}
    assert changed.compact()
    for query in QUERIES:
        assert results(changed, query) == results(fresh, query), query
        # Before compaction, removed chunks still count in BM25's statistics: same passages.
        assert before[query] == [r[:2] for r in results(fresh, query)], query
    assert changed.counts() == fresh.counts() and fresh.counts()["documents"] == 4


def test_a_reader_follows_another_process_by_reading_only_the_change(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    writer = Archive.for_build(settings(tmp_path), fake_embedder)
    writer.add(seed_articles(), replace_all=True)
    reader = Archive.open(settings(tmp_path), fake_embedder)
    reader.load()
    segment = reader._derived.segment if reader._derived else None
    writer.add([ZEBRAS])
    assert reader.refresh()
    assert "1234 zebras" in reader.search("zebras counted", 1)[0].text
    assert reader._derived is not None and reader._derived.segment is segment  # nothing reloaded
    assert reader._derived.fresh.count == writer.counts()["chunks"] - len(segment.ids)
    kazan = next(d for d in writer.documents() if "Kazakhstan and Russia" in d.title)
    vector = reader.embed_query("Kazgeology and Rosgeologia")
    chunks = {
        h.chunk_id for h in reader.search("Kazakhstan", 50, vector) if h.document.doc_id == kazan.doc_id
    }
    assert chunks & set(reader._derived.dense(vector, 50).ids.tolist())
    writer.remove(kazan.doc_id)
    assert reader.refresh() and not reader.refresh()
    for query in ("Kazgeology", "butadiene", "Kazgeology Rosgeologia geological exploration"):
        assert all(h.document.doc_id != kazan.doc_id for h in reader.search(query, 10))
    assert reader._derived.lexical("Kazgeology", 10).ids.size == 0
    assert not chunks & set(reader._derived.dense(vector, 50).ids.tolist())


def test_a_compaction_in_another_process_is_picked_up(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    writer = Archive.for_build(settings(tmp_path), fake_embedder)
    writer.add(seed_articles(), replace_all=True)
    reader = Archive.open(settings(tmp_path), fake_embedder)
    writer.add([ZEBRAS, RAIL])
    reader.refresh()
    expected = [h.chunk_id for h in reader.search("zebras and containers", 5)]
    old = reader._derived.segment.name if reader._derived else ""
    assert writer.uncompacted() >= 2 and writer.compact() and writer.uncompacted() == 0
    assert not reader.refresh()  # the contents did not change, only where they are kept
    assert reader._derived is not None and reader._derived.segment.name not in ("", old)
    assert reader._derived.fresh.count == 0
    assert [h.chunk_id for h in reader.search("zebras and containers", 5)] == expected
    assert not writer.compact()  # nothing left to fold in


def test_adds_and_removes_never_rewrite_the_segment(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    archive = Archive.for_build(settings(tmp_path), fake_embedder)
    archive.add(seed_articles(), replace_all=True)
    [segment] = tmp_path.glob("segment-*")
    written = {p.name: p.stat().st_mtime_ns for p in segment.iterdir()}
    archive.add([ZEBRAS])
    archive.remove(archive.documents()[0].doc_id)
    assert [p.name for p in tmp_path.glob("segment-*")] == [segment.name]
    assert {p.name: p.stat().st_mtime_ns for p in segment.iterdir()} == written


def test_counts_kept_by_difference_match_the_store(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    archive = Archive.for_build(settings(tmp_path), fake_embedder)
    archive.add(seed_articles(), replace_all=True)
    archive.add([ZEBRAS, SOLAR_1])
    archive.add([SOLAR_2])
    archive.remove(archive.documents()[-1].doc_id)
    archive.add(seed_articles(), replace_all=True)
    archive.add([RAIL])
    with sqlite3.connect(tmp_path / DB_NAME) as db:
        counted = {
            t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("documents", "chunks", "sentences")
        }
    assert archive.counts() == counted


def test_an_index_of_the_previous_format_is_upgraded_without_embedding_again(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    archive = Archive.for_build(settings(tmp_path), fake_embedder)
    archive.add(seed_articles(), replace_all=True)
    expected = [h.text for h in archive.search("Kazgeology", 3)]
    counts = archive.counts()
    archive.close()
    # What format 2 left: one FAISS file per revision, no removal log, no segment.
    with sqlite3.connect(tmp_path / DB_NAME) as db:
        db.execute("DROP TABLE removed_chunks")
        db.execute("UPDATE manifest SET value = '2' WHERE key = 'format_version'")
        db.execute("DELETE FROM manifest WHERE key = 'segment'")
    for folder in tmp_path.glob("segment-*"):
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    (tmp_path / "chunks-0123.faiss").write_bytes(b"old")
    with pytest.raises(ModelMismatch, match=r"format version 2.*dossier index compact"):
        Archive.open(settings(tmp_path), fake_embedder)
    upgraded = Archive.open(settings(tmp_path), fake_embedder, readonly=False)
    assert upgraded.manifest["format_version"] == manifest.FORMAT_VERSION
    assert upgraded.counts() == counts and [h.text for h in upgraded.search("Kazgeology", 3)] == expected
    assert not list(tmp_path.glob("chunks-*.faiss")) and list(tmp_path.glob("segment-*"))
    kept = upgraded.documents()[0].doc_id
    upgraded.remove(kept)
    assert all(h.document.doc_id != kept for h in upgraded.search("Kazgeology", 10))


class CountingEmbedder(FakeEmbedder):
    """The fake embedder, counting the document texts it embeds."""

    embedded = 0

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded += len(texts)
        return super().embed_documents(texts)


def test_an_index_of_format_3_gets_languages_and_russian_stems_without_embedding_again(
    tmp_path: Path, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    talks = article("Переговоры в Казани", "Стороны провели переговоры о поставках зерна.", "kazan")
    # Format 3 read every word as English, which left Russian words whole (as Kazakh is read now).
    monkeypatch.setattr(compaction, "tokenize", lambda text, language="en": tokenize(text, "kk"))
    archive = Archive.for_build(settings(tmp_path), fake_embedder)
    archive.add([*seed_articles(), talks], replace_all=True)
    archive.close()
    monkeypatch.undo()
    with sqlite3.connect(tmp_path / DB_NAME) as db:
        db.execute("ALTER TABLE documents DROP COLUMN language")
        db.execute("UPDATE manifest SET value = '3' WHERE key = 'format_version'")
    with pytest.raises(ModelMismatch, match=r"format version 3.*dossier index compact"):
        Archive.open(settings(tmp_path), fake_embedder)
    counting = CountingEmbedder()
    upgraded = Archive.open(settings(tmp_path), counting, readonly=False)
    assert upgraded.manifest["format_version"] == manifest.FORMAT_VERSION == "4"
    assert {d.title: d.language for d in upgraded.documents()} == {
        "Переговоры в Казани": "ru",
        "Kazakhstan and Russia Sign Economic Cooperation Program For 2021-2025": "en",
        "Prime Minister Askar Mamin participates in session of Eurasian Intergovernmental Council in Minsk "
        "and meets with President of Belarus Alexander Lukashenko": "en",
    }
    # "переговорах" meets "переговоры" only through the Russian stems of the rebuilt postings.
    found = [h for h in upgraded.search("о переговорах", 3) if h.lexical_score]
    assert [h.document.title for h in found] == ["Переговоры в Казани"]
    assert counting.embedded == 0
