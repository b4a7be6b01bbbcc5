"""What the core is told about one archive (where it lives, which model, how to chunk), the names of
the files it keeps there (nothing outside `index/` names them), and keeping that directory usable."""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from index.errors import IndexNotWritable

logger = logging.getLogger(__name__)

DB_NAME = "dossier.sqlite3"
MODELS_DIR = "models"


@dataclass(frozen=True)
class IndexSettings:
    """The parts of the settings the archive uses."""

    data_dir: Path
    model: str
    backend: str = "onnx"
    chunk_tokens: int = 160
    chunk_overlap: int = 1

    @property
    def database(self) -> Path:
        """The SQLite store: the archive's source of truth."""
        return self.data_dir / DB_NAME

    @property
    def models_dir(self) -> Path:
        """Where the model's ONNX export (and its int8 copy) is kept."""
        return self.data_dir / MODELS_DIR

    def segment_dir(self, name: str) -> Path:
        """A compacted segment: the FAISS index and BM25 postings of the chunks up to one point."""
        return self.data_dir / name

    def segment_dirs(self) -> list[Path]:
        """Every segment directory in the data directory, complete or not."""
        return sorted(p for p in self.data_dir.glob("segment-*") if p.is_dir())

    def vectors_files(self) -> list[Path]:
        """FAISS files of the format before segments (one per revision), to be removed."""
        return sorted(self.data_dir.glob("chunks-*.faiss"))

    def ensure_writable(self) -> None:
        """Create the data directory if needed; IndexNotWritable if it cannot be written."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise IndexNotWritable(
                "cannot create the data directory {path}: {reason}", path=self.data_dir, reason=error.strerror
            ) from None
        if not os.access(self.data_dir, os.W_OK):
            raise IndexNotWritable("the data directory {path} is not writable", path=self.data_dir)

    def set_aside(self, reason: Exception) -> None:
        """Rename a damaged or incompatible database out of the way, and drop its derived files."""
        path = self.database
        aside = path.with_name(f"{path.name}.replaced-{datetime.now(UTC):%Y%m%d%H%M%S}")
        logger.warning("setting the old index aside as %s: %s", aside.name, reason)
        for suffix in ("", "-wal", "-shm"):
            old = Path(f"{path}{suffix}")
            if old.exists():
                old.rename(Path(f"{aside}{suffix}"))
        for stale in self.vectors_files():
            stale.unlink()
        for folder in self.segment_dirs():
            shutil.rmtree(folder, ignore_errors=True)
