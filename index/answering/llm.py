"""Optional generative answers from an OpenAI-compatible chat-completions server.

The model only rewrites what retrieval found: it sees numbered passages and must cite them. Its
output is checked like untrusted input: markers pointing at no passage are removed, sentences left
without a valid marker or whose words are not in the cited passage are dropped, and any failure
(timeout, HTTP error, garbage) leaves the extractive answer in place.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from index.answering.models import AnswerSentence
from index.lexical import tokenize
from index.models import DocumentInfo, Sentence

logger = logging.getLogger(__name__)

NOT_FOUND = "NOT_IN_ARCHIVE"
SUPPORT_OVERLAP = 0.5  # share of a sentence's words that must occur in the passage it cites
SYSTEM_PROMPT = (
    "You answer questions about news articles using ONLY the numbered passages given. "
    "Write 1 to 3 short sentences. End every sentence with the marker of the passage that supports "
    f"it, like [1]. Do not use outside knowledge. If the passages do not answer, reply exactly {NOT_FOUND}."
)
_MARKER = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class Passage:
    """Numbered evidence for the model: one article's retrieved sentences."""

    n: int
    document: DocumentInfo
    sentences: tuple[Sentence, ...]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


@dataclass(frozen=True)
class Written:
    """The model's checked answer: its sentences and, per passage cited, the best-supporting sentence."""

    sentences: tuple[AnswerSentence, ...]
    quotes: dict[int, Sentence]
    refused: bool = False


class LlmWriter:
    """Talks to one chat-completions endpoint with a hard timeout."""

    def __init__(self, base_url: str, model: str, api_key: str | None, timeout: float):
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = timeout

    def write(self, question: str, passages: Sequence[Passage]) -> Written | None:
        """The model's answer, checked; None on any failure, so the caller answers extractively."""
        try:
            reply = self._complete(question, passages)
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as error:
            logger.warning("LLM unavailable (%s); answering extractively", error.__class__.__name__)
            return None
        if NOT_FOUND in reply:
            return Written((), {}, refused=True)
        return check_reply(reply, passages)

    def _complete(self, question: str, passages: Sequence[Passage]) -> str:
        evidence = "\n\n".join(f"[{p.n}] {p.document.title}\n{p.text}" for p in passages)
        payload = {
            "model": self._model,
            "temperature": 0,
            "max_tokens": 300,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": f"Passages:\n{evidence}\n\nQuestion: {question}"},
            ],
        }
        response = httpx.post(self._url, json=payload, headers=self._headers, timeout=self._timeout)
        response.raise_for_status()
        content = response.json()["choices"][0]["message"]["content"]
        if not isinstance(content, str):
            raise TypeError("no text in the reply")
        return content


def check_reply(reply: str, passages: Sequence[Passage]) -> Written | None:
    """Keep only sentences with a valid marker whose words the cited passage contains."""
    from index.chunking import split_sentences

    by_number = {p.n: p for p in passages}
    kept: list[AnswerSentence] = []
    quotes: dict[int, Sentence] = {}
    for piece in split_sentences([" ".join(reply.split())]):
        cited = tuple(dict.fromkeys(int(n) for n in _MARKER.findall(piece.text) if int(n) in by_number))
        text = " ".join(_MARKER.sub("", piece.text).split()).replace(" .", ".")
        if not cited or not text:
            continue
        support = {n: _best_support(text, by_number[n]) for n in cited}
        valid = tuple(n for n in cited if support[n][1] >= SUPPORT_OVERLAP)
        if not valid:
            continue
        kept.append(AnswerSentence(text, valid))
        for n in valid:
            quotes.setdefault(n, support[n][0])
    return Written(tuple(kept[:3]), quotes) if kept else None


def _best_support(text: str, passage: Passage) -> tuple[Sentence, float]:
    """The passage sentence sharing most words with `text`, and the share of `text` it covers."""
    words = set(tokenize(text))
    everything = set().union(*(tokenize(s.text) for s in passage.sentences))
    overlap = len(words & everything) / len(words) if words else 0.0
    best = max(passage.sentences, key=lambda s: len(words & set(tokenize(s.text))))
    return best, overlap
