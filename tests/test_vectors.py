"""The vector index picks exact search for small archives and quantized IVF for large ones; removed
chunks are skipped by a search, and a saved index is searched from disk."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index import vectors
from index.vectors import Excluded, VectorIndex


def clustered(count: int, dimension: int = 64, seed: int = 0) -> np.ndarray:
    """Normalised vectors around a few hundred centres, like embeddings of news text."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(300, dimension)).astype(np.float32)
    data = centres[rng.integers(0, 300, count)] + 0.35 * rng.normal(size=(count, dimension)).astype(
        np.float32
    )
    return data / np.linalg.norm(data, axis=1, keepdims=True)


def test_small_archive_uses_exact_search_and_finds_each_vector() -> None:
    data = clustered(500)
    index = VectorIndex.build(np.arange(500) * 7, data, 64)
    assert index.kind == "exact"
    hits = index.search(data[42], 3)
    assert hits.ids[0] == 42 * 7 and abs(float(hits.scores[0]) - 1.0) < 1e-5


def test_large_archive_uses_ivf_with_high_recall_and_removal(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(vectors, "EXACT_LIMIT", 5_000)  # the switch point, scaled down for a fast test
    data = clustered(20_000)
    ids = np.arange(20_000, dtype=np.int64)
    index = VectorIndex.build(ids, data, 64)
    assert index.kind == "ivf"
    queries = clustered(50, seed=1)
    exact = VectorIndex.build(ids[:0], data[:0], 64)
    exact.add(ids, data)  # an exact index holding the same vectors: the ground truth
    recall = np.mean([len(set(index.search(q, 10).ids) & set(exact.search(q, 10).ids)) / 10 for q in queries])
    assert recall >= 0.9
    target = int(index.search(data[123], 1).ids[0])
    index.remove(np.array([target]))
    assert target not in index.search(data[123], 10).ids
    path = tmp_path / "v.faiss"
    index.save(path)
    loaded = VectorIndex.load(path)
    assert loaded.kind == "ivf" and len(loaded) == 19_999
    assert list(loaded.search(data[7], 5).ids) == list(index.search(data[7], 5).ids)


def test_index_type_follows_the_archive_size(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(vectors, "EXACT_LIMIT", 1_000)
    data = clustered(1_200)
    index = VectorIndex.build(np.arange(800), data[:800], 64)
    assert index.kind == "exact" and index.suits(800)
    assert not index.suits(1_200)
    assert VectorIndex.build(np.arange(1_200), data, 64).kind == "ivf"


def test_excluded_chunks_are_skipped_by_exact_and_ivf_search(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(vectors, "EXACT_LIMIT", 5_000)
    data = clustered(8_000)
    for count in (1_000, 8_000):
        ids = np.arange(count, dtype=np.int64) * 3
        index = VectorIndex.build(ids, data[:count], 64)
        index.save(tmp_path / "v.faiss")
        mapped = VectorIndex.load(tmp_path / "v.faiss")
        first = mapped.search(data[5], 10).ids
        assert first[0] == 15
        skipped = mapped.search(data[5], 10, Excluded(np.array([15, 999_999]))).ids
        assert 15 not in skipped and list(skipped[:9]) == list(first[1:10])


def test_a_sample_of_ids_comes_from_the_index_saved_exact_or_ivf(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """What the segment check reads to tell a vector file of other chunks (index/segment.py)."""
    monkeypatch.setattr(vectors, "EXACT_LIMIT", 5_000)
    data = clustered(8_000)
    for count in (1_000, 8_000):
        ids = np.arange(count, dtype=np.int64) * 3 + 11
        VectorIndex.build(ids, data[:count], 64).save(tmp_path / "v.faiss")
        sample = VectorIndex.load(tmp_path / "v.faiss").sample_ids(64)
        assert 32 <= len(sample) <= 64 and np.isin(sample, ids).all()
    assert len(VectorIndex.build(ids[:0], data[:0], 64).sample_ids(64)) == 0
