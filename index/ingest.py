"""From a parsed article to what the store keeps: its id, sentences, chunks and their vectors."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from index.chunking import make_chunks, split_sentences
from index.embedding import Embedder
from index.errors import UnsupportedDocument
from index.language import article_language, known
from index.models import Article, Chunk, Sentence

# One article's share of the time ingestion may take: 1.9 M characters of news sentences (24,000 of
# them) took 46 s to split, embed and store on this shared 2-core machine, 1 MB 14 s
# (bench/split_bench.py). News articles are 2-100 kB; anything longer is a runaway page or a dump.
MAX_DOCUMENT_CHARS = 2_000_000


def document_id(article: Article) -> str:
    """Id from the normalised title and body: the same article always gets the same id."""
    normalised = unicodedata.normalize("NFKC", f"{article.title}\n{article.text}")
    normalised = " ".join(normalised.split()).casefold()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]


def check_budget(article: Article) -> None:
    """UnsupportedDocument for an article too long to index in its share of time."""
    length = len(article.title) + len(article.text)
    if length > MAX_DOCUMENT_CHARS:
        raise UnsupportedDocument(
            "{origin} holds {length} characters of text; Dossier indexes "
            "articles of up to {limit} (split it into several files)",
            origin=article.origin or article.title[:80],
            length=f"{length:,}",
            limit=f"{MAX_DOCUMENT_CHARS:,}",
        )


def origin_key(article: Article) -> str | None:
    """What makes a changed article "the same article": where it was read or fetched, never what it
    claims to be (a page may declare any canonical link, and must not replace another source's article)."""
    return article.origin or article.url


@dataclass(frozen=True)
class Prepared:
    """An article split and ready to embed."""

    item: str
    article: Article
    doc_id: str
    sentences: list[Sentence]
    chunks: list[Chunk]


@dataclass(frozen=True)
class Embedded:
    """A prepared article's sentence vectors and chunk vectors."""

    sentences: np.ndarray
    chunks: np.ndarray


def prepare(item: str, article: Article, embedder: Embedder, chunk_tokens: int, overlap: int) -> Prepared:
    """Sentences and sentence-aligned chunks of one article, in its language (detected if not given)."""
    language = (
        known(article.language) if article.language else article_language(article.title, article.paragraphs)
    )
    article = replace(article, language=language)
    sentences = split_sentences(article.paragraphs, language)
    chunks = make_chunks(
        article.text, sentences, embedder.count_tokens, chunk_tokens, embedder.max_tokens, overlap
    )
    return Prepared(item, article, document_id(article), sentences, chunks)


def embed(prepared: Sequence[Prepared], embedder: Embedder) -> list[Embedded]:
    """Sentence vectors from the model, in one batched pass; chunk vectors from their sentences.

    A chunk's vector is the normalised mean of its sentences' vectors: the model itself pools by
    averaging, and embedding chunks again would cost more than half the indexing time
    (bench/index_bench.py) for no measured gain in retrieval (README).
    """
    texts = [s.text for p in prepared for s in p.sentences]
    vectors = embedder.embed_documents(texts)
    result, at = [], 0
    for p in prepared:
        sentence_vectors = vectors[at : at + len(p.sentences)]
        at += len(p.sentences)
        chunk_vectors = (
            np.stack(
                [sentence_vectors[c.first_sentence : c.last_sentence + 1].mean(axis=0) for c in p.chunks]
            )
            if p.chunks
            else np.zeros((0, vectors.shape[1]), dtype=np.float32)
        )
        norms = np.linalg.norm(chunk_vectors, axis=1, keepdims=True)
        result.append(
            Embedded(sentence_vectors, (chunk_vectors / np.clip(norms, 1e-12, None)).astype(np.float32))
        )
    return result
