"""Shared fixtures: the seed index is built once per run with the real model and reused."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.settings import Settings
from index.archive import Archive, IndexSettings
from index.embedding import Embedder, load_document_embedder
from index.parsing import load_articles

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
os.environ.setdefault("HF_HUB_OFFLINE", "1")


class FakeEmbedder:
    """Deterministic bag-of-words vectors: fast, for tests of plumbing, never of quality."""

    def __init__(self, name: str = "sentence-transformers/all-MiniLM-L6-v2", dimension: int = 384):
        self.name = name
        self.dimension = dimension
        self.max_tokens = 254

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                digest = hashlib.blake2b(word.strip(".,;:!?()\"'").encode(), digest_size=4).digest()
                vectors[row, int.from_bytes(digest, "little") % self.dimension] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.clip(norms, 1e-12, None)

    embed_queries = embed_documents


def seed_articles() -> list:  # type: ignore[type-arg]
    return [(origin, article) for origin, article in load_articles(str(SEEDS))]


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


def copy_index(source: Path, target: Path) -> Path:
    """A private copy of an index that a test may change; the model export is linked, not copied."""
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.name == "models":
            (target / "models").symlink_to(path)
        elif path.is_file():
            shutil.copy2(path, target / path.name)
    return target


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
    return env


def run_dossier(
    env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """The `dossier` command in its own process, as a person or a script runs it."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
