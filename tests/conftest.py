"""Shared fixtures: the seed index is built once per run with the real model and reused."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.services import Services, open_bot_services
from bot.settings import Settings
from bot.state.database import Database
from index.archive import Archive
from index.config import IndexSettings
from index.embedding import Embedder, load_document_embedder
from tests.support.archive import FakeEmbedder, copy_index, seed_articles

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def seed_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the seed index built with the real model (and its ONNX export)."""
    data_dir = tmp_path_factory.mktemp("seed-data")
    archive = Archive.for_build(IndexSettings(data_dir=data_dir, model=Settings().embedding_model))
    archive.add(seed_articles(), replace_all=True)
    archive.close()
    return data_dir


@pytest.fixture(scope="session")
def real_embedder(seed_data_dir: Path) -> Embedder:
    """The real document embedder (sentence-transformers), loaded once."""
    return load_document_embedder(Settings().embedding_model, seed_data_dir)


@pytest.fixture(scope="session")
def seed_archive(seed_data_dir: Path) -> Iterator[Archive]:
    """The seed index opened read-only with the light query embedder, as `dossier ask` opens it."""
    archive = Archive.open(IndexSettings(data_dir=seed_data_dir, model=Settings().embedding_model))
    yield archive
    archive.close()


@pytest.fixture
def seed_copy(seed_data_dir: Path, tmp_path: Path) -> Path:
    """A writable copy of the seed index in this test's own directory."""
    return copy_index(seed_data_dir, tmp_path / "data")


@pytest.fixture
def seeded_env(cli_env: dict[str, str], seed_data_dir: Path) -> dict[str, str]:
    """Like `cli_env`, with the seed index already in the data directory."""
    data_dir = Path(cli_env["DOSSIER_DATA_DIR"])
    for path in seed_data_dir.iterdir():
        if path.is_file():
            shutil.copy2(path, data_dir / path.name)
        elif path.name.startswith("segment-"):  # the search files
            shutil.copytree(path, data_dir / path.name)
    return cli_env


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def cli_env(tmp_path: Path, seed_data_dir: Path) -> dict[str, str]:
    """Environment for running the real `dossier` process against a fresh data directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_")}
    data_dir = tmp_path / "cli-data"
    data_dir.mkdir()
    # Share the ONNX export so each process does not export the model again.
    (data_dir / "models").symlink_to(seed_data_dir / "models")
    env.update(DOSSIER_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1")
    # The CLI speaks the locale's language (bot/cli/common.py): English here, whatever the machine's.
    for name in ("LC_ALL", "LC_MESSAGES"):
        env.pop(name, None)
    env["LANG"] = "C.UTF-8"
    return env


@pytest.fixture(scope="module")
def services(settings: Settings) -> Iterator[Services]:
    """The bot's services over the requesting module's own `settings` fixture, shared by its tests."""
    services = open_bot_services(settings)
    yield services
    services.close()


@pytest.fixture(scope="session")
def postgres_base_url() -> Iterator[str]:
    """A PostgreSQL server for this run (or DOSSIER_TEST_DATABASE_URL's server, without a database)."""
    external = os.environ.get("DOSSIER_TEST_DATABASE_URL")
    if external:
        yield external.rsplit("/", 1)[0]
        return
    from tests.support.postgres import PostgresServer

    server = PostgresServer().start()
    yield server.base_url
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The bot's database on each backend: a SQLite file, and a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    from tests.support.postgres import create_database

    return create_database(request.getfixturevalue("postgres_base_url"))


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """The bot's database on each backend, migrated, closed after the test."""
    from bot.state.database import open_database

    database = open_database(database_url)
    yield database
    database.close()
