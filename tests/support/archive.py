"""Helpers for tests of the core and the CLI: a fake embedder, the seeds, index copies, the real CLI."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.parsing import load_articles

ROOT = Path(__file__).resolve().parent.parent.parent
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


def copy_index(source: Path, target: Path) -> Path:
    """A private copy of an index that a test may change; the model export is linked, not copied."""
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.name == "models":
            (target / "models").symlink_to(path)
        elif path.is_file():
            shutil.copy2(path, target / path.name)
        elif path.name.startswith("segment-"):  # the search files
            shutil.copytree(path, target / path.name)
    return target


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
