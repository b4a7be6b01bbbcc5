"""The index directory: persistence, idempotent adds, updates, removals, and refusing bad state."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index.archive import Archive
from index.config import DB_NAME, IndexSettings
from index.errors import CorruptIndex, DocumentNotFound, IndexNotBuilt, IndexNotWritable, ModelMismatch
from index.models import Article
from tests.support.archive import FakeEmbedder, seed_articles

MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def settings(data_dir: Path, model: str = MODEL) -> IndexSettings:
    return IndexSettings(data_dir=data_dir, model=model, chunk_tokens=40)


def article(title: str, *paragraphs: str, url: str | None = None) -> Article:
    return Article(title=title, paragraphs=paragraphs, url=url, origin=url)


def built(data_dir: Path, embedder: FakeEmbedder) -> Archive:
    archive = Archive.for_build(settings(data_dir), embedder)
    archive.add(seed_articles(), replace_all=True)
    return archive


def test_index_survives_reopening(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    first = built(tmp_path, fake_embedder)
    before = [h.chunk_id for h in first.search("Kazgeology Rosgeologia", 3)]
    counts = first.counts()
    first.close()
    again = Archive.open(settings(tmp_path), fake_embedder)
    assert again.counts() == counts and counts["documents"] == 2
    assert [h.chunk_id for h in again.search("Kazgeology Rosgeologia", 3)] == before
    manifest = again.manifest
    assert (
        manifest["model"] == MODEL
        and manifest["dimension"] == "384"
        and manifest["chunks"] == str(counts["chunks"])
    )


def test_adding_the_same_article_twice_changes_nothing(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    archive = built(tmp_path, fake_embedder)
    revision = archive.revision
    results = archive.add(seed_articles())
    assert [r.status for r in results] == ["unchanged", "unchanged"]
    assert archive.revision == revision and archive.counts()["documents"] == 2


def test_changed_article_replaces_its_old_version(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    archive = built(tmp_path, fake_embedder)
    url = "https://news.example/solar"
    [first] = archive.add([("v1", article("Solar plant", "The plant makes 50 MW of power.", url=url))])
    [second] = archive.add([("v2", article("Solar plant", "The plant makes 70 MW of power.", url=url))])
    assert (first.status, second.status) == ("added", "updated")
    assert first.doc_id != second.doc_id
    ids = [d.doc_id for d in archive.documents()]
    assert second.doc_id in ids and first.doc_id not in ids
    texts = [h.text for h in archive.search("70 MW", 10)]
    assert any("70 MW" in t for t in texts) and not any("50 MW" in t for t in texts)


def test_an_article_over_the_budget_is_refused_and_the_rest_of_the_batch_added(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    archive = built(tmp_path, fake_embedder)
    runaway = article("Runaway page", "word " * 500_000, url="https://news.example/dump")
    results = archive.add(
        [("dump", runaway), ("new", article("Zebra census", "Rangers counted 1234 zebras."))]
    )
    assert [r.status for r in results] == ["failed", "added"]
    assert "2,500,012 characters" in (results[0].error or "") and "up to 2,000,000" in (
        results[0].error or ""
    )
    assert archive.counts()["documents"] == 3


def test_new_article_is_searchable_without_rebuild(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    archive = built(tmp_path, fake_embedder)
    archive.add([("new", article("Zebra census", "Rangers counted 1234 zebras in the reserve."))])
    assert "1234 zebras" in archive.search("zebras counted", 1)[0].text
    reopened = Archive.open(settings(tmp_path), fake_embedder)
    assert "1234 zebras" in reopened.search("zebras counted", 1)[0].text


def test_removed_article_disappears_from_search(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    archive = built(tmp_path, fake_embedder)
    kazan = next(d for d in archive.documents() if "Kazakhstan and Russia" in d.title)
    archive.remove(kazan.doc_id)
    assert all(h.document.doc_id != kazan.doc_id for h in archive.search("Kazgeology", 10))
    reopened = Archive.open(settings(tmp_path), fake_embedder)
    assert [d.doc_id for d in reopened.documents()] != [] and kazan.doc_id not in [
        d.doc_id for d in reopened.documents()
    ]
    with pytest.raises(DocumentNotFound):
        reopened.remove(kazan.doc_id)


def test_failed_add_leaves_previous_index_intact(
    tmp_path: Path, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = built(tmp_path, fake_embedder)
    before = (archive.counts(), archive.revision)
    calls = {"n": 0}
    real_insert = archive._store.insert_document

    def crash_on_second(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real_insert(*args, **kwargs)

    monkeypatch.setattr(archive._store, "insert_document", crash_on_second)
    with pytest.raises(OSError):
        archive.add([("a", article("Alpha", "Alpha text here.")), ("b", article("Beta", "Beta text here."))])
    reopened = Archive.open(settings(tmp_path), fake_embedder)
    assert (reopened.counts(), reopened.revision) == before
    assert all(h.document.title not in ("Alpha", "Beta") for h in reopened.search("Alpha text", 5))


def test_missing_search_index_is_rebuilt_from_the_store(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    archive = built(tmp_path, fake_embedder)
    expected = [h.chunk_id for h in archive.search("roadmap for the production of butadiene", 3)]
    archive.close()
    # As if the segment were lost: searches read the chunks from the database, and compaction
    # writes the segment again from the stored vectors.
    for folder in tmp_path.glob("segment-*"):
        shutil.rmtree(folder)
    reopened = Archive.open(settings(tmp_path), fake_embedder)
    assert [h.chunk_id for h in reopened.search("roadmap for the production of butadiene", 3)] == expected
    assert reopened.uncompacted() >= reopened.counts()["chunks"]  # so a running bot compacts it
    assert Archive.open(settings(tmp_path), fake_embedder, readonly=False).compact()
    assert list(tmp_path.glob("segment-*"))
    again = Archive.open(settings(tmp_path), fake_embedder)
    assert [h.chunk_id for h in again.search("roadmap for the production of butadiene", 3)] == expected


def test_no_index_yet_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(IndexNotBuilt, match="dossier index build"):
        Archive.open(settings(tmp_path / "empty"))


def test_index_of_another_model_is_refused(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    built(tmp_path, fake_embedder).close()
    with pytest.raises(
        ModelMismatch,
        match=r"built with the model sentence-transformers/all-MiniLM-L6-v2.*dossier index build",
    ):
        Archive.open(settings(tmp_path, model="intfloat/e5-small-v2"), FakeEmbedder("intfloat/e5-small-v2"))


def test_build_replaces_an_index_of_another_model(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    built(tmp_path, fake_embedder).close()
    other = FakeEmbedder("intfloat/e5-small-v2", dimension=64)
    archive = Archive.for_build(settings(tmp_path, model="intfloat/e5-small-v2"), other)
    archive.add(seed_articles(), replace_all=True)
    assert archive.manifest["model"] == "intfloat/e5-small-v2" and archive.manifest["dimension"] == "64"
    assert archive.search("Kazgeology", 1)


def test_corrupt_database_is_reported(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    built(tmp_path, fake_embedder).close()
    (tmp_path / DB_NAME).write_bytes(b"this is not a database" * 100)
    with pytest.raises(CorruptIndex, match=r"damaged.*dossier index build"):
        Archive.open(settings(tmp_path), fake_embedder)


def test_corrupt_search_index_is_reported_and_compaction_repairs_it(
    tmp_path: Path, fake_embedder: FakeEmbedder
) -> None:
    built(tmp_path, fake_embedder).close()
    [vector_file] = tmp_path.glob("segment-*/vectors.faiss")
    vector_file.write_bytes(b"garbage")
    archive = Archive.open(settings(tmp_path), fake_embedder)
    assert archive.documents()  # listing needs no vectors
    with pytest.raises(CorruptIndex, match=r"damaged.*dossier index compact"):
        archive.search("butadiene")
    with pytest.raises(CorruptIndex, match="damaged"):
        archive.load()  # what `dossier health` checks
    assert Archive.open(settings(tmp_path), fake_embedder, readonly=False).compact()
    assert "butadiene" in Archive.open(settings(tmp_path), fake_embedder).search("butadiene", 1)[0].text


def test_unwritable_data_dir_is_reported(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(IndexNotWritable):
        Archive.open_or_create(settings(blocker / "data"), fake_embedder)


def test_a_build_written_in_batches_is_still_all_or_nothing(
    tmp_path: Path, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("index.writing.ADD_BATCH", 1)  # every article a batch of its own
    archive = built(tmp_path, fake_embedder)
    assert archive.counts()["documents"] == 2
    before = (archive.counts(), archive.revision)
    real_insert = archive._store.insert_document
    calls = {"n": 0}

    def crash_on_second(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real_insert(*args, **kwargs)

    monkeypatch.setattr(archive._store, "insert_document", crash_on_second)
    with pytest.raises(OSError):
        archive.add(
            [("a", article("Alpha", "Alpha text here.")), ("b", article("Beta", "Beta text."))],
            replace_all=True,
        )
    reopened = Archive.open(settings(tmp_path), fake_embedder)
    assert (reopened.counts(), reopened.revision) == before
    assert "Kazgeology" in reopened.search("Kazgeology", 1)[0].text
