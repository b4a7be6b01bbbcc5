"""Compaction: fold the chunks added and removed since the last segment into a new segment.

The old segment's vectors and postings are kept and changed (removed chunks dropped, new ones
added), so the work grows with the change and one linear pass over the old files, never with
re-tokenizing or re-embedding the archive. A new vector index is trained only when the archive has
outgrown the old one's type (vectors.py). Everything is written into a temporary directory, flushed,
renamed, and only then named in the manifest: a crash at any point leaves the previous segment in
charge.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.changelog import StoredChunks
from index.config import IndexSettings
from index.errors import CorruptIndex
from index.lexical import tokenize
from index.manifest import FORMAT_VERSION
from index.postings import merge
from index.segment import (
    IDS,
    VECTORS,
    Segment,
    open_segment,
    segment_name,
    segment_position,
    write_header,
)
from index.store import Store
from index.vectors import VectorIndex, training_size

logger = logging.getLogger(__name__)

BATCH = 5_000  # chunks read from the store at a time: ~8 MB of vectors
STALE_WORK = 6 * 3600  # seconds after which an unfinished compaction's directory is someone's crash


@dataclass(frozen=True)
class Plan:
    """What a compaction starts from: the store's state and the segment it replaces."""

    old: Segment | None
    last_chunk: int
    last_removal: int
    removed: np.ndarray
    new_chunks: int

    @property
    def name(self) -> str:
        return segment_name(self.last_chunk, self.last_removal)


def plan(store: Store, old: Segment | None) -> Plan:
    with store.snapshot():
        last_chunk, last_removal = store.last_chunk_id(), store.last_removal()
        since_chunk, since_removal = (old.last_chunk, old.last_removal) if old else (0, 0)
        removed = store.removed_after(since_removal, last_removal)
    # At most: ids only grow, and some of the new ones may have been removed again.
    return Plan(old, last_chunk, last_removal, removed, last_chunk - since_chunk)


def write_segment(store: Store, settings: IndexSettings, plan: Plan, dimension: int) -> Path:
    """Write the segment `plan` describes into the data directory; returns its directory."""
    old = plan.old
    keep = ~np.isin(old.ids, plan.removed) if old is not None else np.zeros(0, dtype=np.bool_)
    count = int(keep.sum()) + plan.new_chunks
    work = Path(tempfile.mkdtemp(prefix=".compacting-", dir=settings.data_dir))
    work.chmod(0o755)  # mkdtemp's 0700 would hide the segment from a bot running as another user
    try:
        vectors = None
        if old is not None and old.vectors.suits(count):
            vectors = VectorIndex.load(settings.segment_dir(old.name) / VECTORS, mapped=False)
            vectors.remove(plan.removed)
        else:
            vectors = _trained(store, plan.last_chunk, count, dimension)
            since = old.last_chunk if old is not None else 0
            for chunks in _batches(store, 0, since, dimension):
                vectors.add(chunks.ids, chunks.vectors)
        new_ids: list[np.ndarray] = []

        def new_tokens() -> Iterator[list[str]]:
            since = old.last_chunk if old is not None else 0
            for chunks in _batches(store, since, plan.last_chunk, dimension):
                vectors.add(chunks.ids, chunks.vectors)
                new_ids.append(chunks.ids)
                yield from map(tokenize, chunks.texts, chunks.languages)

        merge(work, old.postings if old is not None else None, keep, new_tokens())
        ids = np.concatenate([old.ids[keep] if old is not None else np.zeros(0, np.int64), *new_ids])
        np.save(work / IDS, ids)
        vectors.save(work / VECTORS)
        write_header(work, plan.last_chunk, plan.last_removal, len(ids))
        for path in work.iterdir():
            _flush(path)
        folder = settings.segment_dir(plan.name)
        if folder.exists():  # another process wrote the same state: theirs will do
            shutil.rmtree(work)
        else:
            os.replace(work, folder)
        _flush(settings.data_dir)
        return folder
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def remove_stale(settings: IndexSettings, keep: set[str]) -> None:
    """Delete segments other than `keep`, and directories of compactions that died long ago."""
    for folder in settings.segment_dirs():
        if folder.name not in keep:
            shutil.rmtree(folder, ignore_errors=True)
    for work in settings.data_dir.glob(".compacting-*"):
        if time.time() - work.stat().st_mtime > STALE_WORK:
            shutil.rmtree(work, ignore_errors=True)


def _trained(store: Store, last_chunk: int, count: int, dimension: int) -> VectorIndex:
    """An empty index of the type `count` vectors need, trained on a random sample of the store's."""
    wanted = training_size(count)
    sample = np.zeros((0, dimension), dtype=np.float32)
    if wanted:
        ids = store.chunk_ids(last_chunk)
        chosen = np.sort(np.random.default_rng(0).choice(ids, size=min(wanted, len(ids)), replace=False))
        _, sample = store.vectors_of(chosen.tolist(), dimension)
        logger.info("training a vector index for %d chunks on %d of them", count, len(sample))
    return VectorIndex.trained(sample, count, dimension)


def _batches(store: Store, after: int, upto: int, dimension: int) -> Iterator[StoredChunks]:
    while True:
        chunks = store.chunks_after(after, upto, dimension, BATCH)
        if not len(chunks.ids):
            return
        yield chunks
        after = int(chunks.ids[-1])


def _flush(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def compact(store: Store, settings: IndexSettings, dimension: int) -> bool:
    """Fold the changes since the manifest's segment into a new one; False if there were none.

    The caller holds the archive's lock: the store's connection is read throughout.
    """
    name = store.manifest().get("segment", "")
    try:
        old = open_segment(settings, name, dimension) if name else None
    except CorruptIndex:
        logger.warning("the search index %s cannot be read: rebuilding it from the database", name)
        shutil.rmtree(settings.segment_dir(name), ignore_errors=True)
        old = None
    if old is not None and not old.name:
        old = None  # named but missing: everything is read from the store
    todo = plan(store, old)
    if old is not None and todo.name == old.name:
        return False
    write_segment(store, settings, todo, dimension)
    with store.transaction():
        current = store.manifest().get("segment", "")
        if current != name and segment_position(current) >= (todo.last_chunk, todo.last_removal):
            return False  # another process compacted as far or further meanwhile
        store.set_manifest({"segment": todo.name})
        store.forget_removals(todo.last_removal)
    remove_stale(settings, keep={todo.name, name})
    logger.info("compacted the index into %s", todo.name)
    return True


def uncompacted(store: Store, settings: IndexSettings) -> int:
    """About how many chunks were added or removed since the manifest's segment was written (all of
    them if it is missing: compacting then rebuilds it)."""
    with store.snapshot():
        name = store.manifest().get("segment", "")
        if name and not settings.segment_dir(name).exists():
            name = ""
        last_chunk, last_removal = segment_position(name)
        return store.last_chunk_id() - last_chunk + store.count_removed(last_removal)


def upgrade_store(store: Store, settings: IndexSettings, dimension: int) -> None:
    """Bring an index of an earlier format (2 or 3) to this one; nothing is embedded again.

    Format 3 had no languages: each article's is detected from its stored text, and its words are
    tokenized by it, so the BM25 postings are rebuilt with the segment, from the stored vectors (79 s
    at 100,000 articles). Format 2 also lacked the removal log (the schema adds it) and segments.
    Sentences stay as they were split (in English); `dossier index build` splits them again.
    """
    logger.warning("upgrading the index in %s to format %s", settings.data_dir, FORMAT_VERSION)
    with store.transaction():
        read = store.add_languages()
        store.set_manifest({"format_version": FORMAT_VERSION, "segment": ""})
    logger.info("detected the language of %d articles", read)
    for old in settings.vectors_files():
        old.unlink(missing_ok=True)
    remove_stale(settings, keep=set())  # postings of the old tokenizer: rebuilt below
    compact(store, settings, dimension)
