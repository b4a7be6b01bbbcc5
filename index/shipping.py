"""Copies of an archive for other machines: a full copy (a base) and the changes since (deltas).

The part of `Archive` (index/archive.py) that exports what the one process writing an archive has
built, and applies it to a copy elsewhere without embedding anything again. A delta holds the
current rows (ids included) of every document added or removed since the previous one: the copy
deletes its version of each and inserts the writer's, so chunk ids agree everywhere and the copy's
search indexes follow the change as they follow any other (index/derived.py).
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from index import manifest
from index.config import DB_NAME, IndexSettings
from index.copies import read_delta
from index.errors import DossierError, ModelMismatch
from index.listing import Listing
from index.store import Store

if TYPE_CHECKING:
    from index.derived import Derived

SHIPPED = "shipped_seq"  # manifest key: the writer's document log position this copy has applied
SHIPPED_FROM = "shipped_from"  # in a delta: the position it starts from
MATCHING = ("model", "dimension", "format_version")  # what a copy must share with its writer


class OutOfSequence(DossierError):
    """A delta that does not start where this copy stands: the copy needs a newer base."""


@dataclass(frozen=True)
class Exported:
    """The writer's state an export captures."""

    seq: int  # its document log position
    revision: str
    segment: str  # the compacted segment the export's database names
    built_at: str


class Shipping:
    """Part of `Archive`: export a base or the changes since a position; apply a delta; switch copies."""

    settings: IndexSettings
    _store: Store
    _listing: Listing
    _lock: threading.RLock
    _derived: Derived | None
    revision: str

    if TYPE_CHECKING:  # provided by Archive

        def _guard(self) -> AbstractContextManager[None]: ...

        def refresh(self) -> bool: ...

    def export_base(self, folder: Path) -> Exported:
        """A full copy into `folder`: the database (SQLite's online backup) and its compacted segment."""
        folder.mkdir(parents=True)
        target = sqlite3.connect(folder / DB_NAME)
        try:
            with self._guard():
                self._store.backup_to(target)
                current = self._store.manifest()
                seq = self._store.last_document_change()
            with target:
                target.execute(
                    "INSERT OR REPLACE INTO manifest(key, value) VALUES (?, ?)", (SHIPPED, str(seq))
                )
        finally:
            target.close()
        segment = current.get("segment", "")
        if segment:  # a segment is never changed once written, only replaced by a newer one
            shutil.copytree(self.settings.segment_dir(segment), folder / segment)
        return Exported(seq, current["revision"], segment, current.get("built_at", ""))

    def export_changes(self, after: int, path: Path) -> Exported | None:
        """The documents added or removed since log position `after`, as a delta file; None if none."""
        with self._guard(), self._store.snapshot():
            upto = self._store.last_document_change()
            if upto <= after:
                return None
            current = self._store.manifest()
            changed = self._store.documents_changed(after, upto)
            values = {**current, SHIPPED: str(upto), SHIPPED_FROM: str(after)}
            self._store.export_rows(path, changed, values)
        return Exported(upto, current["revision"], current.get("segment", ""), current.get("built_at", ""))

    @property
    def shipped(self) -> int:
        """The writer's document log position this copy has applied (0 for an archive of its own)."""
        with self._guard():
            return int(self._store.manifest().get(SHIPPED, 0))

    def apply_changes(self, path: Path) -> str:
        """Apply a delta made by `export_changes` on the writer; returns the revision it leads to.

        ModelMismatch if the writer's index is of another model or format; OutOfSequence if the
        delta does not start where this copy stands.
        """
        delta = read_delta(path)
        with self._guard(), self._store.transaction():
            mine = self._store.manifest()
            theirs = delta.manifest
            mismatch = [k for k in MATCHING if theirs.get(k) != mine.get(k)]
            if mismatch:
                found = ", ".join(f"{k} {theirs.get(k)} (here {mine.get(k)})" for k in mismatch)
                raise ModelMismatch(
                    "the published index differs from this copy in {found}; rebuild it with: dossier index build",
                    found=found,
                )
            if theirs.get(SHIPPED_FROM) != mine.get(SHIPPED, "0"):
                raise OutOfSequence(
                    "{name} starts at {start}, this copy stands at {here}",
                    name=path.name,
                    start=theirs.get(SHIPPED_FROM),
                    here=mine.get(SHIPPED),
                )
            self._store.apply_rows(delta)
        self.refresh()
        return self.revision

    def switch_to(self, settings: IndexSettings) -> None:
        """Answer from another copy of this archive (a newer base) from now on.

        The copy is opened and checked first; questions under way finish on the old copy, which is
        closed once they have (they hold the archive's lock).
        """
        store = Store(settings.database)
        try:
            manifest.check(store.manifest(), settings, True)
        except DossierError:
            store.close()
            raise
        listing = Listing(settings.database)
        with self._lock:
            old_store, old_listing = self._store, self._listing
            self.settings, self._store, self._listing = settings, store, listing
            self._derived = None  # mapped again on the next search, from the new copy's segment
            self.revision = store.manifest().get("revision", "")
            old_store.close()
        old_listing.close()
