"""Dossier's core: articles in, cited answers out. Imports no bot, Telegram or click code.

The public face is loaded on first use, so that `from index.errors import …` stays cheap:

    from index import Archive, IndexSettings, AnsweringService, Answer
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_PUBLIC = {
    "Archive": "index.archive",
    "IndexSettings": "index.config",
    "AnsweringService": "index.answering.service",
    "Answer": "index.answering.models",
    "Citation": "index.answering.models",
    "Turn": "index.answering.models",
    "DossierError": "index.errors",
    "UnsupportedDocument": "index.errors",
    "IndexNotBuilt": "index.errors",
    "ModelMismatch": "index.errors",
    "CorruptIndex": "index.errors",
    "IndexNotWritable": "index.errors",
    "DocumentNotFound": "index.errors",
}

__all__ = [
    "Answer",
    "AnsweringService",
    "Archive",
    "Citation",
    "CorruptIndex",
    "DocumentNotFound",
    "DossierError",
    "IndexNotBuilt",
    "IndexNotWritable",
    "IndexSettings",
    "ModelMismatch",
    "Turn",
    "UnsupportedDocument",
]

if TYPE_CHECKING:
    from index.answering.models import Answer, Citation, Turn
    from index.answering.service import AnsweringService
    from index.archive import Archive
    from index.config import IndexSettings
    from index.errors import (
        CorruptIndex,
        DocumentNotFound,
        DossierError,
        IndexNotBuilt,
        IndexNotWritable,
        ModelMismatch,
        UnsupportedDocument,
    )


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'index' has no attribute {name!r}")
    return getattr(importlib.import_module(_PUBLIC[name]), name)
