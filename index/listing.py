"""Listing every article through a read-only connection of its own.

Listing 100,000 articles takes a second or two (bench/scale_bench.py); on the archive's own
connection it would hold the archive's lock, and every search, that long.
"""

from __future__ import annotations

import threading
from pathlib import Path

from index.models import DocumentInfo
from index.store import Store


class Listing:
    """Documents newest first, read in one snapshot; the connection opens on first use."""

    def __init__(self, database: Path):
        self._database = database
        self._store: Store | None = None
        self._lock = threading.Lock()

    def documents_after(self, position: int) -> tuple[list[DocumentInfo], int]:
        """Documents stored after row `position` (0: all), and the last row now."""
        with self._lock:
            if self._store is None:
                self._store = Store(self._database, readonly=True)
            with self._store.snapshot():
                return self._store.documents(after=position), self._store.last_document_row()

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
