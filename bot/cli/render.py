"""Answers, passages and articles as the terminal shows them, and the stable JSON shapes.

The JSON shapes (`ask --json`, `search --json`, `index list --json`) are a contract other tools read:
fields may be added, never renamed or removed.

Text for people is built as rich `Text`: printed by `console()` it is styled on a terminal (the answer
emphasised, its sources dimmed), plain in a pipe or with NO_COLOR set; `str()` of it is the plain text.
Its words are in the language of `tr` (bot.cli.common.cli_language); quotes stay in their article's.
"""

from __future__ import annotations

import os
import re
import textwrap
from typing import TYPE_CHECKING

from rich.text import Text

from bot.i18n import ENGLISH, N_, Translator
from index.answering.models import Answer
from index.models import DocumentInfo, Hit

if TYPE_CHECKING:
    from rich.console import Console

ANSWER = "bold"
SHORT_ANSWER = "bold underline"  # the phrase that answers (a name, date, number) inside the answer
REFUSAL = "italic"
QUIET = "dim"  # sources, links, ids: there when wanted, not competing with the answer
TITLE = "bold"
INDENT = "   "
# The answering service's refusal (index/answering/service.py), shown in the reader's language; any
# other text of an answer is the articles' own words and is shown as it is.
REFUSED = N_("The articles in the archive don't answer that question.")


def console(stderr: bool = False) -> Console:
    """Where people read: styled only on a terminal, and not at all with NO_COLOR set (no-color.org;
    rich alone would drop the colours but keep bold and dim)."""
    from rich.console import Console

    plain = bool(os.environ.get("NO_COLOR"))
    return Console(
        stderr=stderr, color_system=None if plain else "auto", highlight=False, emoji=False, soft_wrap=True
    )


def show(out: Console, *parts: Text | str) -> None:
    """Print for people: on a terminal, words wrapped at its width; in a pipe, lines left whole."""
    text = Text.assemble(*parts)
    out.print(_wrapped(text, out.width) if out.is_terminal else text, soft_wrap=True)


def _wrapped(text: Text, width: int) -> Text:
    """Lines broken between words at `width`, styles kept. Unlike rich's own wrapping, a word longer
    than a line (a link) stays whole for the terminal to fold: split by a newline, it could no
    longer be clicked or copied."""
    lines = []
    for line in text.split("\n", allow_blank=True):
        breaks, start, words = [], 0, 0
        for word in re.finditer(r"\S+", line.plain):
            if words and word.end() - start > width:
                breaks.append(word.start())
                start, words = word.start(), 0
            words += 1
        for piece in line.divide(breaks):
            piece.rstrip()
            lines.append(piece)
    return Text("\n").join(lines)


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
                "language": c.language,
            }
            for c in answer.citations
        ],
        "related": [{"doc_id": r.doc_id, "title": r.title} for r in answer.related],
        "latency_ms": answer.latency_ms,
        "short_answer": answer.short_answer,
        "language": answer.language,
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
        "language": None,
        "error": error,
    }


def render_text(answer: Answer, tr: Translator = ENGLISH) -> Text:
    """The answer for people: cited sentences (the direct answer marked in them), then each source once."""
    said = tr.gettext(REFUSED) if answer.refused and answer.text == REFUSED else answer.text
    lines: list[Text | str] = [
        mark_short_answer(Text(said, style=REFUSAL if answer.refused else ANSWER), answer.short_answer)
    ]
    if answer.citations:
        lines.append("")
        lines.append(Text(tr.gettext("Sources:"), style=QUIET))
        for c in answer.citations:
            meta = " · ".join(p for p in (c.published.isoformat() if c.published else None, c.source) if p)
            lines.append(Text(f"[{c.n}] {c.title}" + (f" · {meta}" if meta else ""), style=QUIET))
            if c.url:
                lines.append(Text(f"    {c.url}", style=QUIET))
    if answer.related:
        lines.append("")
        lines.append(Text(tr.gettext("Related articles (they do not answer it):"), style=QUIET))
        lines.extend(Text(f"- {r.title}", style=QUIET) for r in answer.related)
    return Text("\n").join(Text(line) if isinstance(line, str) else line for line in lines)


def render_quotes(answer: Answer | None, tr: Translator = ENGLISH) -> Text:
    """`/quotes` in chat: the passages the last answer cited, or why there are none."""
    if answer is None:
        return Text(tr.gettext("No cited passages yet: ask a question first."))
    if not answer.citations:
        if answer.refused:
            return Text(
                tr.gettext("The last answer quotes no passages: the articles did not answer that question.")
            )
        return Text(tr.gettext("The last answer quotes no passages."))
    lines = []
    for c in answer.citations:
        line = Text(f"[{c.n}] ")
        line.append(f"“{c.quote}”", style=ANSWER)
        line.append(f" — {c.title}", style=QUIET)
        lines.append(line)
    return Text("\n").join(lines)


def render_hits(hits: list[Hit], width: int = 80, tr: Translator = ENGLISH) -> Text:
    """`dossier search`: each passage under its article's title, date and source, best first.

    The fused score means nothing to a reader (a sum of 1/(60 + rank) over two rankings), so each hit
    says instead where each retriever ranked it: by meaning (embeddings) and by words (BM25).
    """
    if not hits:
        return Text(tr.gettext("No passages found."))
    out = Text()
    for i, hit in enumerate(hits, 1):
        d = hit.document
        about = [d.published.isoformat() if d.published else tr.gettext("undated"), d.source, d.doc_id]
        details = [" · ".join(p for p in about if p), _ranks(hit, tr)] + ([d.url] if d.url else [])
        passage = textwrap.fill(
            " ".join(hit.text.split()), max(width, 40), initial_indent=INDENT, subsequent_indent=INDENT
        )
        out.append("\n" if i > 1 else "")
        out.append(f"{i}. ")
        out.append(d.title, style=TITLE)
        out.append(f"\n{passage}\n")
        out.append("\n".join(INDENT + line for line in details if line), style=QUIET)
        out.append("\n")
    out.rstrip()
    return out


def _ranks(hit: Hit, tr: Translator) -> str:
    dense, lexical = hit.ranks.get("dense"), hit.ranks.get("lexical")
    if dense is not None and lexical is not None:
        return tr.gettext("ranked by meaning #{dense} and by words #{lexical}").format(
            dense=dense, lexical=lexical
        )
    if dense is not None:
        return tr.gettext("ranked by meaning #{dense}").format(dense=dense)
    if lexical is not None:
        return tr.gettext("ranked by words #{lexical}").format(lexical=lexical)
    return ""


def mark_short_answer(text: Text, short: str | None) -> Text:
    """The direct answer marked where it first appears: bold like the answer around it, and underlined."""
    at = text.plain.find(short) if short else -1
    if short and at >= 0:
        text.stylize(SHORT_ANSWER, at, at + len(short))
    return text


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
        "language": d.language,
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
        "language": d.language,
    }
