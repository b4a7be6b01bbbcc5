"""A compacted segment: the FAISS index and BM25 postings of the archive's chunks up to one point.

A segment directory is written once by compaction (index/compaction.py) and never changed; the
manifest names the current one. It covers every chunk up to `last_chunk` as the store held them
after removal `last_removal` of the removal log; chunks added or removed since are followed in
memory (index/fresh.py, index/derived.py). Opening one maps its files: the cost does not grow with
the archive.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.config import IndexSettings
from index.errors import CorruptIndex
from index.postings import MainPostings
from index.vectors import VectorIndex

logger = logging.getLogger(__name__)

HEADER = "segment.json"
VECTORS = "vectors.faiss"
IDS = "ids.npy"
# Chunk ids of the vector file checked against the segment's on opening: a few reads at any size.
SAMPLED_IDS = 64


def segment_name(last_chunk: int, last_removal: int) -> str:
    return f"segment-{last_chunk}-{last_removal}"


def segment_position(name: str) -> tuple[int, int]:
    """(last chunk, last removal) a segment covers, from its name; (0, 0) for none."""
    if not name:
        return 0, 0
    _, chunk, removal = name.split("-")
    return int(chunk), int(removal)


@dataclass(frozen=True)
class Segment:
    """One compacted segment, memory-mapped; `ids` are the chunk ids of its BM25 rows."""

    name: str
    last_chunk: int
    last_removal: int
    ids: np.ndarray
    vectors: VectorIndex
    postings: MainPostings

    @classmethod
    def empty(cls, dimension: int) -> Segment:
        """Before the first compaction: every chunk is fresh."""
        vectors = VectorIndex.trained(np.zeros((0, dimension), dtype=np.float32), 0, dimension)
        return cls("", 0, 0, np.zeros(0, dtype=np.int64), vectors, MainPostings.empty())

    @classmethod
    def open(cls, folder: Path) -> Segment:
        """Map a segment's files; OSError or ValueError if any is missing or damaged."""
        header = json.loads((folder / HEADER).read_text())
        ids = np.load(folder / IDS, mmap_mode="r") if header["count"] else np.zeros(0, dtype=np.int64)
        try:
            vectors = VectorIndex.load(folder / VECTORS)
        except RuntimeError:  # how FAISS reports a damaged file
            raise ValueError(f"{VECTORS} cannot be read") from None
        postings = MainPostings.open(folder)
        if len(ids) != header["count"] or postings.count != len(ids):
            raise ValueError(f"the files of {folder.name} do not match")
        segment = cls(
            folder.name, int(header["last_chunk"]), int(header["last_removal"]), ids, vectors, postings
        )
        # A vector file of other chunks would be searched silently: dense search lost, words only.
        sample = vectors.sample_ids(SAMPLED_IDS)
        if len(vectors) > len(ids) or len(segment.rows_of(sample)) != len(sample):
            raise ValueError(f"{VECTORS} holds other chunks than {IDS}")
        return segment

    def rows_of(self, chunk_ids: np.ndarray) -> np.ndarray:
        """The BM25 rows of those chunks this segment holds."""
        if not len(self.ids) or not len(chunk_ids):
            return np.zeros(0, dtype=np.int64)
        rows = np.searchsorted(self.ids, chunk_ids)
        inside = rows < len(self.ids)
        rows = rows[inside]
        return rows[self.ids[rows] == chunk_ids[inside]]


def write_header(folder: Path, last_chunk: int, last_removal: int, count: int) -> None:
    header = {"last_chunk": last_chunk, "last_removal": last_removal, "count": count}
    (folder / HEADER).write_text(json.dumps(header))


def open_segment(settings: IndexSettings, name: str, dimension: int) -> Segment:
    """The segment the manifest names (mapped, not read), or an empty one before the first compaction."""
    if not name:
        return Segment.empty(dimension)
    folder = settings.segment_dir(name)
    if not folder.exists():
        logger.warning(
            "the search index %s is missing; searching the chunks read from the database instead "
            "(restore it with: dossier index compact)",
            folder,
        )
        return Segment.empty(dimension)
    try:
        return Segment.open(folder)
    except (OSError, ValueError, KeyError) as error:
        raise CorruptIndex(
            "the search index {path} is damaged ({reason}); rebuild it from the database with: "
            "dossier index compact",
            path=folder,
            reason=error,
        ) from None
