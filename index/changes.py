"""Writing articles into the store: each change is one transaction that also rewrites the manifest.

Only the store is written. The search indexes follow the change by reading it back (derived.py),
and the manifest's counts are kept by difference, since COUNT(*) reads every row of a table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from index import manifest
from index.ingest import Embedded, Prepared, origin_key
from index.models import AddResult, DocumentInfo
from index.store import Store

COUNTED = ("documents", "chunks", "sentences")


def clear(store: Store, model: tuple[str, int]) -> None:
    """Inside a transaction: remove every document, and record `model` as the one building anew."""
    change = Counter[str]()
    for document in store.documents():
        change.subtract(_delete(store, document))
    _write_manifest(store, change, model)


def insert(store: Store, pending: Sequence[Prepared], vectors: Sequence[Embedded]) -> list[AddResult]:
    """Inside a transaction: store prepared articles, replacing older versions of the same ones."""
    results = []
    change = Counter[str]()
    for p, embedded in zip(pending, vectors, strict=True):
        key = origin_key(p.article)
        previous = store.doc_id_for_origin(key) if key else None
        if previous:
            change.subtract(_delete(store, store.find_document(previous)))
        store.insert_document(
            p.doc_id, key, p.article, p.sentences, embedded.sentences, p.chunks, embedded.chunks
        )
        store.log_document(p.doc_id)
        change.update(documents=1, chunks=len(p.chunks), sentences=len(p.sentences))
        results.append(AddResult(p.item, "updated" if previous else "added", p.doc_id, p.article.title))
    _write_manifest(store, change, None)
    return results


def delete(store: Store, document: DocumentInfo) -> None:
    """Inside a transaction: remove one stored document."""
    change = Counter[str]()
    change.subtract(_delete(store, document))
    _write_manifest(store, change, None)


def _delete(store: Store, document: DocumentInfo | None) -> Counter[str]:
    assert document is not None
    store.delete_document(document.doc_id)
    store.log_document(document.doc_id)
    return Counter(documents=1, chunks=document.chunk_count, sentences=document.sentence_count)


def _write_manifest(store: Store, change: Counter[str], rebuilt_with: tuple[str, int] | None) -> None:
    current = store.manifest()
    counts = {key: int(current.get(key, 0)) + change[key] for key in COUNTED}
    store.set_manifest(manifest.after_change(counts, rebuilt_with))
