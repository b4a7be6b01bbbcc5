"""Answers, passages and articles as the terminal shows them, and the stable JSON shapes.

The JSON shapes (`ask --json`, `search --json`, `index list --json`) are a contract other tools read:
fields may be added, never renamed or removed.
"""

from __future__ import annotations

import click

from index.answering.models import Answer
from index.models import DocumentInfo, Hit


def answer_json(answer: Answer) -> dict[str, object]:
    """The stable JSON shape of one answer."""
    return {
        "question": answer.question,
        "answer": answer.text,
        "refused": answer.refused,
        "citations": [
            {
                "n": c.n,
                "doc_id": c.doc_id,
                "title": c.title,
                "url": c.url,
                "published": c.published.isoformat() if c.published else None,
                "quote": c.quote,
            }
            for c in answer.citations
        ],
        "related": [{"doc_id": r.doc_id, "title": r.title} for r in answer.related],
        "latency_ms": answer.latency_ms,
        "short_answer": answer.short_answer,
    }


def error_json(question: str, error: str) -> dict[str, object]:
    """The same shape for a question that could not be answered at all (a bad line of stdin)."""
    return {
        "question": question,
        "answer": error,
        "refused": True,
        "citations": [],
        "related": [],
        "latency_ms": 0.0,
        "short_answer": None,
        "error": error,
    }


def render_text(answer: Answer) -> str:
    """The answer for people: cited sentences with the direct answer in bold, then each source once."""
    lines = [bold_short_answer(answer.text, answer.short_answer)]
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
        for c in answer.citations:
            meta = " · ".join(p for p in (c.published.isoformat() if c.published else None, c.source) if p)
            lines.append(f"[{c.n}] {c.title}" + (f" · {meta}" if meta else ""))
            if c.url:
                lines.append(f"    {c.url}")
    if answer.related:
        lines.append("")
        lines.append("Related articles (they do not answer it):")
        lines.extend(f"- {r.title}" for r in answer.related)
    return "\n".join(lines)


def bold_short_answer(text: str, short: str | None) -> str:
    """The direct answer in bold where it first appears (click.echo drops the styling off a terminal)."""
    if not short or short not in text:
        return text
    return text.replace(short, click.style(short, bold=True), 1)


def document_json(d: DocumentInfo) -> dict[str, object]:
    return {
        "doc_id": d.doc_id,
        "title": d.title,
        "published": d.published.isoformat() if d.published else None,
        "author": d.author,
        "source": d.source,
        "url": d.url,
        "origin": d.origin,
        "added_at": d.added_at,
        "chunks": d.chunk_count,
        "sentences": d.sentence_count,
    }


def hit_json(rank: int, hit: Hit) -> dict[str, object]:
    d = hit.document
    return {
        "rank": rank,
        "doc_id": d.doc_id,
        "title": d.title,
        "published": d.published.isoformat() if d.published else None,
        "source": d.source,
        "url": d.url,
        "author": d.author,
        "text": hit.text,
        "start": hit.start,
        "end": hit.end,
        "score": round(hit.score, 6),
        "dense_score": hit.dense_score,
        "lexical_score": hit.lexical_score,
    }
