"""Adding and removing articles: the writing half of `Archive` (index/archive.py), kept apart to
keep each file to one job. Writes go to the store only; searches follow them (index/derived.py)."""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from index import changes, progress
from index.config import IndexSettings
from index.embedding import Embedder
from index.errors import DocumentNotFound, UnsupportedDocument
from index.ingest import Prepared, check_budget, document_id, embed, prepare
from index.models import AddResult, Article, DocumentInfo
from index.store import Store

# Articles embedded and written at a time: ~8,000 sentences, ~15 MB of vectors, however many are added.
ADD_BATCH = 500


class Writing:
    """Part of `Archive`: add and remove."""

    settings: IndexSettings
    _store: Store
    _lock: threading.RLock

    if TYPE_CHECKING:  # provided by Archive

        @property
        def document_embedder(self) -> Embedder: ...

        def find_document(self, doc_id: str) -> DocumentInfo | None: ...

        def refresh(self) -> bool: ...

        def compact(self) -> bool: ...

        def _guard(self) -> AbstractContextManager[None]: ...

    def add(self, articles: Iterable[tuple[str, Article]], replace_all: bool = False) -> list[AddResult]:
        """Add articles: new ones are added, changed ones replace their old version, same ones skip.

        Articles are embedded and written `ADD_BATCH` at a time, each batch one transaction (a
        failure keeps the batches before it; adding again skips them). With `replace_all`
        everything else is removed, and the whole build is one transaction.
        """
        results: list[AddResult] = []
        seen: set[str] = set()
        if not replace_all:
            for batch in _batches(articles, ADD_BATCH):
                self._add_batch(batch, seen, results, in_transaction=False)
        else:
            model = self.document_embedder
            with self._guard(), self._store.transaction():
                changes.clear(self._store, (model.name, model.dimension))
                for batch in _batches(articles, ADD_BATCH):
                    self._add_batch(batch, seen, results, in_transaction=True)
        self.refresh()
        if replace_all:
            self.compact()  # a build leaves one segment and nothing to follow
        return results

    def _add_batch(
        self, batch: list[tuple[str, Article]], seen: set[str], results: list[AddResult], in_transaction: bool
    ) -> None:
        pending: list[Prepared] = []
        for item, article in batch:
            try:
                check_budget(article)
            except UnsupportedDocument as error:
                results.append(AddResult(item, "failed", error=str(error), reason=error))
                continue
            doc_id = document_id(article)
            # Checked before chunking, so re-adding known articles never loads the model.
            if doc_id in seen or self.find_document(doc_id):
                results.append(AddResult(item, "unchanged", doc_id, article.title))
                continue
            seen.add(doc_id)
            chunking = (self.settings.chunk_tokens, self.settings.chunk_overlap)
            pending.append(prepare(item, article, self.document_embedder, *chunking))
        if not pending:
            return
        vectors = embed(pending, self.document_embedder)
        with (
            self._guard(),
            contextlib.nullcontext() if in_transaction else self._store.transaction(),
            progress.task("Writing the index"),
        ):
            results += changes.insert(self._store, pending, vectors)

    def remove(self, doc_id: str) -> DocumentInfo:
        """Remove one document by id."""
        with self._guard():
            document = self._store.find_document(doc_id)
            if document is None:
                raise DocumentNotFound("no document with id {doc_id}; see: dossier index list", doc_id=doc_id)
            with self._store.transaction():
                changes.delete(self._store, document)
        self.refresh()
        return document


def _batches(articles: Iterable[tuple[str, Article]], size: int) -> Iterator[list[tuple[str, Article]]]:
    iterator = iter(articles)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
