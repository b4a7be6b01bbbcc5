"""Bad luck with files: a full disk mid-export, damaged pages, dropped tables, short vectors, locks.

Each is reported as one sentence naming the file and the command that repairs it, and `dossier index
build` repairs what it names.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest

from bot.state.subscriptions import open_subscription_store
from index.archive import Archive
from index.config import DB_NAME, IndexSettings
from index.errors import CorruptIndex, DamagedExport, DossierError, IndexBusy
from index.model_files import INT8_FILE, export_dir, export_onnx
from index.vectors import VectorIndex
from tests.support.archive import FakeEmbedder, run_dossier, seed_articles
from tests.support.bot import with_onnx_export

MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def settings(data_dir: Path) -> IndexSettings:
    return IndexSettings(data_dir=data_dir, model=MODEL)


@pytest.fixture
def built(tmp_path: Path, fake_embedder: FakeEmbedder) -> Path:
    archive = Archive.for_build(settings(tmp_path / "data"), fake_embedder)
    archive.add(seed_articles(), replace_all=True)
    archive.close()
    return tmp_path / "data"


def damage_table(database: Path, table: str) -> None:
    """Overwrite the root page of one table with garbage, as a bad sector would."""
    with sqlite3.connect(database) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    with open(database, "r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\xde\xad\xbe\xef" * (page_size // 4))


def change(database: Path, sql: str) -> None:
    with sqlite3.connect(database) as db:
        db.execute(sql)


def test_a_damaged_page_is_named_and_build_rebuilds_from_the_articles(
    seeded_env: dict[str, str], seed_data_dir: Path
) -> None:
    database = Path(seeded_env["DOSSIER_DATA_DIR"]) / DB_NAME
    damage_table(database, "sentences")
    asked = run_dossier(seeded_env, "ask", "Who is the president of Belarus?")
    assert asked.returncode == 1, asked.stdout
    assert f"the index database {database} is damaged" in asked.stderr
    assert "rebuild it with: dossier index build" in asked.stderr and "unexpected error" not in asked.stderr
    rebuilt = run_dossier(seeded_env, "index", "build")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "built: 2 documents" in rebuilt.stdout and "setting the old index aside" in rebuilt.stderr
    assert "Lukashenko" in run_dossier(seeded_env, "ask", "Who is the president of Belarus?").stdout


@pytest.mark.parametrize(
    "sql, reading",
    [
        ("DROP TABLE sentences", "sentences"),
        ("UPDATE sentences SET vector = x'0000' WHERE id = (SELECT MIN(id) FROM sentences)", "sentences"),
        ("UPDATE chunks SET vector = x'0000' WHERE id = (SELECT MIN(id) FROM chunks)", "search"),
        ("DROP TABLE chunks", "search"),
    ],
)
def test_damaged_contents_are_reported_as_damage(
    built: Path, fake_embedder: FakeEmbedder, sql: str, reading: str
) -> None:
    change(built / DB_NAME, sql)
    for segment in built.glob("segment-*"):
        shutil.rmtree(segment)  # so that the chunks are read back from the database
    archive = Archive.open(settings(built), fake_embedder)
    with pytest.raises(
        CorruptIndex, match=rf"the index database {built / DB_NAME} is damaged .*dossier index build"
    ):
        if reading == "sentences":
            for document in archive.documents():
                archive.sentences(document.doc_id)
        else:
            archive.search("Kazgeology")


def test_a_locked_index_says_another_process_holds_it(built: Path, fake_embedder: FakeEmbedder) -> None:
    holder = sqlite3.connect(built / DB_NAME, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        archive = Archive.open(settings(built), fake_embedder, readonly=False)
        from index.models import Article

        with pytest.raises(IndexBusy, match="locked by another process"):
            archive.add([("new", Article("Zebra census", ("Rangers counted 1234 zebras.",)))])
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_vector_file_of_other_chunks_is_named_and_compaction_rebuilds_it(
    built: Path, fake_embedder: FakeEmbedder
) -> None:
    [path] = built.glob("segment-*/vectors.faiss")
    with sqlite3.connect(built / DB_NAME) as db:
        rows = db.execute("SELECT id, vector FROM chunks ORDER BY id").fetchall()
    ids = np.array([r[0] for r in rows]) + 10_000  # the chunks of some other index
    vectors = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
    VectorIndex.build(ids, vectors, vectors.shape[1]).save(path)
    with pytest.raises(
        CorruptIndex, match=rf"{path.parent} is damaged .*other chunks.*dossier index compact"
    ):
        Archive.open(settings(built), fake_embedder).search("Kazgeology Rosgeologia", 3)
    assert Archive.open(settings(built), fake_embedder, readonly=False).compact()
    hits = Archive.open(settings(built), fake_embedder).search("Kazgeology Rosgeologia", 3)
    assert hits and all(h.dense_score is not None for h in hits)  # dense search is back, not silently lost


def test_an_export_cut_short_by_a_full_disk_leaves_nothing_to_trip_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sentence_transformers

    class FullDisk:
        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def save_pretrained(self, path: str) -> None:
            (Path(path) / "onnx").mkdir(parents=True)
            (Path(path) / "onnx" / "model.onnx").write_bytes(b"\x08\x07" * 1000)  # half a model
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", FullDisk)
    assert export_onnx(MODEL, tmp_path) is None
    folder = export_dir(tmp_path, MODEL)
    assert not folder.exists() and list(folder.parent.iterdir()) == []


def test_a_damaged_export_is_named_and_build_makes_it_again(
    cli_env: dict[str, str], seed_data_dir: Path
) -> None:
    data_dir = Path(cli_env["DOSSIER_DATA_DIR"])
    (data_dir / "models").unlink()  # a private copy of the export, to damage
    shutil.copytree(with_onnx_export(seed_data_dir) / "models", data_dir / "models")
    shutil.copy2(seed_data_dir / DB_NAME, data_dir / DB_NAME)
    for segment in seed_data_dir.glob("segment-*"):
        shutil.copytree(segment, data_dir / segment.name)
    folder = export_dir(data_dir, MODEL) / "onnx"
    (folder / INT8_FILE).write_bytes((folder / INT8_FILE).read_bytes()[:4096])  # the disk filled up
    (folder / "model.onnx").write_bytes((folder / "model.onnx").read_bytes()[:4096])
    asked = run_dossier(cli_env, "search", "Kazgeology")
    assert asked.returncode == 1
    assert f"the model export {folder / 'model.onnx'} is damaged" in asked.stderr
    assert "dossier index build" in asked.stderr and "unexpected error" not in asked.stderr
    rebuilt = run_dossier(cli_env, "index", "build", timeout=600)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "Kazgeology" in run_dossier(cli_env, "search", "Kazgeology").stdout


def test_a_damaged_bot_database_is_named_with_what_to_do(tmp_path: Path, cli_env: dict[str, str]) -> None:
    path = Path(cli_env["DOSSIER_DATA_DIR"]) / "bot.sqlite3"
    path.write_bytes(b"not a database at all " * 500)
    listed = run_dossier(cli_env, "feeds", "list")
    assert listed.returncode == 1 and "unexpected error" not in listed.stderr
    assert f"the bot's database {path} is damaged" in listed.stderr and f"mv {path}" in listed.stderr
    with pytest.raises(DossierError, match="damaged"):
        open_subscription_store(path)


def test_damage_found_while_the_bot_runs_is_a_dossier_error_too(built: Path) -> None:
    """A worker thread that meets damage gets the same sentence, not a raw sqlite3 error."""
    damage_table(built / DB_NAME, "documents")
    errors: list[BaseException] = []

    def read() -> None:
        try:
            Archive.open(settings(built), FakeEmbedder()).documents()
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    [error] = errors
    assert isinstance(error, CorruptIndex) and not isinstance(error, DamagedExport)
