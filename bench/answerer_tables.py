"""Feature tables for the answer scorer: every question of an archive read as Dossier reads it.

For each question: the real retrieval (8 passages) and candidate gathering of the answering service,
the features of every candidate (index/answering/features.py), and whether the candidate sentence
contains the gold answer. Tables are cached as .npz beside the archives (never committed).
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")


# Raise after changing how a feature is computed (its name unchanged), so cached tables are rebuilt.
REVISION = 3


def feature_version() -> str:
    """Names the cached tables by the sentence feature list and REVISION (the question's features are
    computed from the tables' rows when training)."""
    from index.answering.features import SENTENCE_FEATURES

    names = ",".join((str(REVISION), *SENTENCE_FEATURES))
    return hashlib.sha256(names.encode()).hexdigest()[:10]


@dataclass
class Table:
    """Candidates of many questions: `start[i]:start[i+1]` are question i's rows."""

    ids: list[str]
    kinds: list[str]
    start: np.ndarray
    rows: np.ndarray
    label: np.ndarray  # the sentence contains the gold answer
    right_document: np.ndarray  # the sentence is from the question's own article
    document: np.ndarray  # an integer per article, to tell neighbours of one article apart
    position: np.ndarray
    paragraph: np.ndarray
    length: np.ndarray  # characters
    doc_ids: list[str] = field(default_factory=list)  # the archive's id of each document number

    def question(self, i: int) -> slice:
        return slice(int(self.start[i]), int(self.start[i + 1]))

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, keep: list[int]) -> Table:
        parts = [self.question(i) for i in keep]
        sizes = [p.stop - p.start for p in parts]
        index = np.concatenate([np.arange(p.start, p.stop) for p in parts]) if parts else np.zeros(0, int)
        return Table(
            [self.ids[i] for i in keep],
            [self.kinds[i] for i in keep],
            np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
            *(getattr(self, f)[index] for f in _CANDIDATE_FIELDS),
            self.doc_ids,
        )


_CANDIDATE_FIELDS = ("rows", "label", "right_document", "document", "position", "paragraph", "length")


def concat(tables: list[Table]) -> Table:
    """One table of several (document numbers kept apart per table)."""
    starts, offset, at = [np.zeros(1, np.int64)], 0, 0
    documents = []
    for t in tables:
        starts.append(t.start[1:] + offset)
        offset += int(t.start[-1])
        documents.append(t.document + at)
        at += int(t.document.max(initial=-1)) + 1
    return Table(
        [i for t in tables for i in t.ids],
        [k for t in tables for k in t.kinds],
        np.concatenate(starts),
        *(
            np.concatenate(documents) if f == "document" else np.concatenate([getattr(t, f) for t in tables])
            for f in _CANDIDATE_FIELDS
        ),
        [d for t in tables for d in t.doc_ids],
    )


def _contains(text: str, answers: list[str]) -> bool:
    lowered = text.casefold()
    return any(" ".join(a.split()).casefold() in lowered for a in answers)


def retrieved(path: Path, archive, questions: list[dict]) -> dict[str, tuple[np.ndarray, list]]:  # type: ignore[no-untyped-def, type-arg]
    """Each question's vector and retrieved passages, cached: they do not change with the features,
    and embedding and searching are two thirds of the time it takes to read a question."""
    from index.models import Hit

    if path.exists():
        with np.load(path, allow_pickle=False) as npz:
            saved = {k: npz[k] for k in npz.files}  # each npz[k] decompresses the whole array again
        documents = {d: archive.find_document(d) for d in set(saved["doc"].tolist())}
        columns = [saved[k].tolist() for k in ("chunk", "doc", "first", "last", "score")]
        start = saved["start"].tolist()
        out = {}
        for i, qid in enumerate(saved["ids"].tolist()):
            hits = [
                Hit(int(c), documents[d], "", 0, 0, int(f), int(la), float(s))
                for c, d, f, la, s in zip(*(k[start[i] : start[i + 1]] for k in columns), strict=True)
            ]
            out[qid] = (saved["vectors"][i].copy(), hits)
        if all(q["id"] in out for q in questions):
            return out
    from index.answering.reader import Reader

    reader = Reader(archive)
    out = {}
    for q in questions:
        vector = archive.embed_query(q["question"])
        out[q["id"]] = (vector, reader.retrieve(q["question"], vector))
    hits = [h for q in questions for h in out[q["id"]][1]]
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        ids=np.array([q["id"] for q in questions]),
        vectors=np.array([out[q["id"]][0] for q in questions], dtype=np.float32),
        start=np.cumsum([0] + [len(out[q["id"]][1]) for q in questions]),
        chunk=np.array([h.chunk_id for h in hits], dtype=np.int64),
        doc=np.array([h.document.doc_id for h in hits]),
        first=np.array([h.first_sentence for h in hits], dtype=np.int32),
        last=np.array([h.last_sentence for h in hits], dtype=np.int32),
        score=np.array([h.score for h in hits], dtype=np.float64),
    )
    return out


def build_table(data_dir: Path, questions: list[dict], retrieval: Path) -> Table:  # type: ignore[type-arg]
    from bot.settings import Settings
    from index.answering.reader import Reader
    from index.archive import Archive
    from index.config import IndexSettings

    archive = Archive.open(IndexSettings(data_dir=data_dir, model=Settings().embedding_model))
    reader = Reader(archive)
    found = retrieved(retrieval, archive, questions)
    documents: dict[str, int] = {}
    ids, kinds, starts = [], [], [0]
    columns: dict[str, list] = {k: [] for k in ("rows", "label", "right", "doc", "pos", "par", "len")}  # type: ignore[type-arg]
    started = time.perf_counter()
    for n, q in enumerate(questions):
        vector, hits = found[q["id"]]
        reading = reader.read(q["question"], q["question"], vector, hits)
        ids.append(q["id"])
        kinds.append(q["kind"])
        starts.append(starts[-1] + len(reading.candidates))
        columns["rows"].append(reading.rows)
        for c in reading.candidates:
            columns["label"].append(_contains(c.sentence.text, q["answers"]))
            columns["right"].append(c.document.title == q["doc"])
            columns["doc"].append(documents.setdefault(c.document.doc_id, len(documents)))
            columns["pos"].append(c.sentence.position)
            columns["par"].append(c.sentence.paragraph)
            columns["len"].append(len(c.sentence.text))
        if n and n % 1000 == 0:
            print(
                f"  {data_dir.name}: {n} questions, {(time.perf_counter() - started) / n * 1000:.1f} ms each"
            )
    archive.close()
    width = len(columns["rows"][0][0]) if columns["rows"] and len(columns["rows"][0]) else 0
    rows = np.concatenate([r.reshape(-1, width) for r in columns["rows"]]) if width else np.zeros((0, 0))
    return Table(
        ids,
        kinds,
        np.array(starts, dtype=np.int64),
        rows.astype(np.float32),
        np.array(columns["label"], dtype=bool),
        np.array(columns["right"], dtype=bool),
        np.array(columns["doc"], dtype=np.int32),
        np.array(columns["pos"], dtype=np.int32),
        np.array(columns["par"], dtype=np.int32),
        np.array(columns["len"], dtype=np.int32),
        list(documents),
    )


def cached_table(path: Path, data_dir: Path, questions: list[dict]) -> Table:  # type: ignore[type-arg]
    """The table from the cache, or built (retrieval cached beside it, under retrieval/) and cached."""
    if path.exists():
        saved = np.load(path, allow_pickle=False)
        return Table(
            list(saved["ids"]),
            list(saved["kinds"]),
            saved["start"],
            *(saved[f] for f in _CANDIDATE_FIELDS),
            list(saved["doc_ids"]),
        )
    table = build_table(data_dir, questions, path.parent.parent / "retrieval" / f"{data_dir.name}.npz")
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        ids=np.array(table.ids),
        kinds=np.array(table.kinds),
        start=table.start,
        doc_ids=np.array(table.doc_ids),
        **{f: getattr(table, f) for f in _CANDIDATE_FIELDS},
    )
    return table
