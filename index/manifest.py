"""The manifest: which model and format built an index, its counts, and the revision of its contents.

It lives in the store (one table, changed in the same transaction as the documents), so the FAISS
and BM25 files can always be matched to the contents they were derived from: `segment` names the
compacted segment (index/segment.py) that searches start from.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from index.config import IndexSettings
from index.errors import ModelMismatch
from index.model_files import canonical_model_name

FORMAT_VERSION = "4"
# Format 3 had no language per article, and tokenized every word as English (BM25 postings); format 2
# also kept one FAISS file per revision, BM25 in memory only and no log of removed chunks. Their stores
# are otherwise this format's, so opening one for writing upgrades it in place: the language column is
# added and filled, and compaction derives a segment, postings included, from the store.
UPGRADABLE = ("2", "3")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def fresh(model: str, dimension: int) -> dict[str, str]:
    """The manifest of a new, empty index."""
    now = _now()
    return {
        "format_version": FORMAT_VERSION,
        "model": model,
        "dimension": str(dimension),
        "revision": uuid.uuid4().hex,
        "built_at": now,
        "updated_at": now,
        "documents": "0",
        "chunks": "0",
        "sentences": "0",
    }


def after_change(counts: dict[str, int], rebuilt_with: tuple[str, int] | None = None) -> dict[str, str]:
    """The keys a change rewrites: a new revision and the counts (and model, after a full build)."""
    now = _now()
    values = {"revision": uuid.uuid4().hex, "updated_at": now, **{k: str(v) for k, v in counts.items()}}
    if rebuilt_with is not None:
        model, dimension = rebuilt_with
        values.update(built_at=now, model=model, dimension=str(dimension), format_version=FORMAT_VERSION)
    return values


def check(manifest: dict[str, str], settings: IndexSettings, writable: bool = False) -> bool:
    """Refuse an index of another format or model, saying what to run; True if it must be upgraded."""
    version = manifest.get("format_version", "unknown")
    if version in UPGRADABLE and writable:
        return True
    if version != FORMAT_VERSION:
        if version in UPGRADABLE:
            raise ModelMismatch(
                "the index in {path} has format version {version}, this Dossier reads {wanted}; "
                "upgrade it with: dossier index compact (keeps every article, embeds nothing again)",
                path=settings.data_dir,
                version=version,
                wanted=FORMAT_VERSION,
            )
        raise ModelMismatch(
            "the index in {path} has format version {version}, this Dossier reads {wanted}; "
            "rebuild it with: dossier index build",
            path=settings.data_dir,
            version=version,
            wanted=FORMAT_VERSION,
        )
    wanted = canonical_model_name(settings.model)
    if manifest.get("model") != wanted:
        raise ModelMismatch(
            "the index in {path} was built with the model {model}, "
            "but DOSSIER_EMBEDDING_MODEL is {wanted}; rebuild it with: dossier index build",
            path=settings.data_dir,
            model=manifest.get("model"),
            wanted=wanted,
        )
    return False
