"""Measuring answer quality on a question file: retrieval, answers, citations and refusals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from index.answering.models import Answer, Turn
from index.answering.service import AnsweringService
from index.errors import DossierError

K = 5  # retrieval depth for recall@k and MRR


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    answerable: bool
    answers: tuple[str, ...]
    doc: str | None  # a distinctive substring of the expected article's title
    history: tuple[Turn, ...] = ()


@dataclass
class EvalReport:
    questions: int = 0
    answerable: int = 0
    retrieval_hits: int = 0
    reciprocal_ranks: float = 0.0
    answer_hits: int = 0
    citations: int = 0
    correct_citations: int = 0
    refused_unanswerable: int = 0
    refused_answerable: int = 0
    unanswerable: int = 0
    failures: list[dict[str, object]] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        refused = self.refused_unanswerable + self.refused_answerable
        return {
            f"recall@{K}": _ratio(self.retrieval_hits, self.answerable),
            "mrr": _ratio(self.reciprocal_ranks, self.answerable),
            "answer_hit_rate": _ratio(self.answer_hits, self.answerable),
            "citation_precision": _ratio(self.correct_citations, self.citations),
            "refusal_precision": _ratio(self.refused_unanswerable, refused),
            "refusal_recall": _ratio(self.refused_unanswerable, self.unanswerable),
        }


def _ratio(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 1.0


def read_questions(path: Path) -> Iterator[EvalQuestion]:
    """Questions from a JSON-lines file; a malformed line stops with its line number."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            history = tuple(Turn(h["question"], h.get("answer", "")) for h in data.get("history") or ())
            yield EvalQuestion(
                id=str(data.get("id", number)),
                question=data["question"],
                answerable=bool(data.get("answerable", True)),
                answers=tuple(data.get("answers") or ()),
                doc=data.get("doc"),
                history=history,
            )
        except (ValueError, KeyError, TypeError) as error:
            raise DossierError(
                "{path}:{line}: not a valid question line ({reason})", path=path, line=number, reason=error
            ) from None


def _contains(text: str, expected: tuple[str, ...]) -> bool:
    lowered = text.casefold()
    return any(e.casefold() in lowered for e in expected)


def evaluate(service: AnsweringService, questions: list[EvalQuestion]) -> EvalReport:
    """Ask every question and score the answers against the expectations."""
    report = EvalReport()
    for q in questions:
        report.questions += 1
        answer = service.answer(q.question, q.history)
        if q.answerable:
            _score_answerable(service, report, q, answer)
        else:
            report.unanswerable += 1
            report.refused_unanswerable += answer.refused
            if not answer.refused:
                report.failures.append(
                    {"id": q.id, "question": q.question, "problem": "not refused", "answer": answer.text}
                )
    return report


def _score_answerable(service: AnsweringService, report: EvalReport, q: EvalQuestion, answer: Answer) -> None:
    report.answerable += 1
    if q.doc:
        hits = service.archive.search(
            q.question if not q.history else f"{q.history[-1].question} {q.question}", K
        )
        ranks = [i for i, h in enumerate(hits, 1) if q.doc.casefold() in h.document.title.casefold()]
        report.retrieval_hits += bool(ranks)
        report.reciprocal_ranks += 1 / ranks[0] if ranks else 0.0
    if answer.refused:
        report.refused_answerable += 1
        report.failures.append({"id": q.id, "question": q.question, "problem": "refused"})
        return
    hit = _contains(answer.text, q.answers)
    report.answer_hits += hit
    for citation in answer.citations:
        report.citations += 1
        report.correct_citations += _contains(citation.quote, q.answers)
    if not hit:
        report.failures.append(
            {
                "id": q.id,
                "question": q.question,
                "problem": "answer misses",
                "expected": list(q.answers),
                "answer": answer.text,
            }
        )
