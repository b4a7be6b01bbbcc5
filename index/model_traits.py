"""What Dossier knows about an embedding model beyond its files: its prompts, and the languages it reads.

A sentence-transformers model names its prompts in its `config_sentence_transformers.json`; the E5
family (intfloat/e5-*, intfloat/multilingual-e5-*) was trained with "query: " and "passage: "
prefixes that older copies of its config do not carry, so they come from this table when the config
is silent. all-MiniLM-L6-v2 (the bundled model) and sentence-transformers' other `all-*` models read
English only: between a Russian question and Russian sentences their cosines sit near 0.6 whatever
the sentences say (0.57 for the median candidate against 0.20 in English), so no meaning is read into
them: the archive ranks such a question by BM25 alone (index/archive.py) and the scorer is shown one
fixed cosine (index/answering/extractive.py). Any other model is taken to read every
language, as multilingual ones (multilingual-e5-*, paraphrase-multilingual-*, LaBSE, bge-m3) do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_E5 = re.compile(r"(^|[/_-])(multilingual-)?e5-(small|base|large)", re.I)
_ENGLISH_ONLY = re.compile(r"(^|/)all-(minilm|mpnet|distilroberta)|(^|[/_-])(bge|gte|e5)-[\w.-]*-en\b", re.I)


@dataclass(frozen=True)
class Prompts:
    """What is prepended to a question and to a document sentence before embedding."""

    query: str = ""
    document: str = ""


def prompts(model: str, config: dict[str, Any]) -> Prompts:
    """The model's prompts: from its sentence-transformers config, else the table of known families."""
    # sentence-transformers writes empty prompts ({"query": "", "document": ""}) for models without any.
    named = {k: v for k, v in (config.get("prompts") or {}).items() if v}
    document = next((named[k] for k in ("document", "passage", "corpus") if k in named), "")
    if named.get("query") or document:
        return Prompts(named.get("query", ""), document)
    if _E5.search(model):
        return Prompts("query: ", "passage: ")
    return Prompts()


def reads(model: str, language: str) -> bool:
    """Does the model place texts of this language by their meaning? English always; others unless
    the model is known to read English only."""
    return language == "en" or not _ENGLISH_ONLY.search(model)
