"""sqlite3's errors as the core's: which file, what happened to it, and what to run.

SQLite reports a damaged page, a dropped table, a full disk and another process's lock with the same
two exception classes; a user should read which of these it was, and what repairs it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from index.errors import CorruptIndex, DossierError, IndexBusy, IndexNotWritable


@contextmanager
def storage_errors(database: Path) -> Iterator[None]:
    """Turn sqlite3 errors raised inside the block into DossierErrors about `database`."""
    try:
        yield
    except sqlite3.DatabaseError as error:
        raise translate(database, error) from None


def translate(database: Path, error: sqlite3.DatabaseError) -> DossierError:
    message = str(error)
    lowered = message.lower()
    if isinstance(error, sqlite3.OperationalError):
        if "locked" in lowered or "busy" in lowered:
            return IndexBusy(
                "the index {path} is locked by another process (an index build or add still "
                "running?); try again once it has finished",
                path=database,
            )
        if "full" in lowered:
            return IndexNotWritable(
                "the disk holding {path} is full; free some space and try again", path=database.parent
            )
        if "readonly" in lowered or "unable to open" in lowered or "permission" in lowered:
            return IndexNotWritable("cannot write to {path}: {reason}", path=database.parent, reason=message)
    return CorruptIndex(
        "the index database {path} is damaged ({reason}); rebuild it with: dossier index build",
        path=database,
        reason=message,
    )
