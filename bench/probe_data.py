"""What the reader probes share: the training script's cached tables, scored as it scores them, each
question's best candidates with their text, and the table of what a confidence score refuses.

Used by bench/reader_probe.py and bench/cross_encoder_probe.py (run bench/train_answerer.py first
with the same --cache).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import train_answerer as ta

from bench import squad_data
from bench.answerer_models import fit, logits
from bench.answerer_tables import Table, concat

TOP = 10  # candidates per question kept with their text
RATIO, BONUS = 0.1, 1.5  # the second-sentence ratio and neighbour bonus train_answerer chooses


def candidate_texts(cache: Path, name: str, table: Table, scores: np.ndarray) -> tuple[list[str], list]:  # type: ignore[type-arg]
    """The question texts, and (question, row, sentence text) of each question's TOP candidates."""
    from bot.settings import Settings
    from index.archive import Archive
    from index.config import IndexSettings

    asked = {}
    for line in (cache / "questions" / f"{name}.jsonl").read_text().splitlines():
        q = json.loads(line)
        asked[q["id"]] = q["question"]
    archive = Archive.open(
        IndexSettings(data_dir=cache / "archives" / name, model=Settings().embedding_model)
    )
    texts: dict[str, list[str]] = {}
    rows = []
    for i in range(len(table)):
        part = table.question(i)
        for j in np.argsort(-scores[part], kind="stable")[:TOP] + part.start:
            doc_id = table.doc_ids[int(table.document[j])]
            if doc_id not in texts:
                texts[doc_id] = [s.text for s in archive.sentences(doc_id)[0]]
            rows.append((i, int(j), texts[doc_id][int(table.position[j])]))
    archive.close()
    return [asked[q] for q in table.ids], rows


def leading_rows(rows: list, per_question: int = 1) -> list[int]:  # type: ignore[type-arg]
    """Indexes into candidate rows (grouped by question, best first) of each question's first ones."""
    out, rank = [], 0
    for k, row in enumerate(rows):
        rank = 0 if k == 0 or rows[k - 1][0] != row[0] else rank + 1
        if rank < per_question:
            out.append(k)
    return out


@dataclass
class ProbeData:
    """The validation and training archives' tables, sentence scores and candidate texts."""

    tables: dict[str, Table]
    scores: dict[str, np.ndarray]
    data: dict[str, tuple]  # type: ignore[type-arg]  # archive: (questions, candidate rows, labels)
    train_names: list[str]
    val_names: list[str]
    validation: Table
    hit: np.ndarray  # per validation question: the answer holds the gold answer
    good: np.ndarray  # per validation question: answerable

    def confidence_rows(self, names: list[str]) -> np.ndarray:
        return np.concatenate([ta.question_rows(self.tables[n], self.scores[n]) for n in names])

    def confidence_labels(self, names: list[str]) -> np.ndarray:
        return np.concatenate(
            [
                ta.outcomes(self.tables[n], ta.chosen(self.tables[n], self.scores[n], RATIO, BONUS))[0]
                for n in names
            ]
        )

    def report(self, label: str, confidence: np.ndarray) -> None:
        """What a confidence score refuses at 3% and 5% of answerable validation questions refused."""
        for share in (0.03, 0.05):
            answered = confidence >= np.quantile(confidence[self.good], share)
            refused = [
                (~answered[ta.kind_mask(self.validation, k)]).mean()
                for k in ("near", "rewritten", "offtopic")
            ]
            contains = (self.hit & answered & self.good).sum() / self.good.sum()
            print(
                f"  {label:<26}{share:>10.0%}{contains:>10.3f}" + "".join(f"{r:>11.3f}" for r in refused),
                flush=True,
            )


def load(cache: Path) -> ProbeData:
    """The training script's cached tables, scored as it scores them (out of fold on training archives)."""
    train_tables, val_tables = ta.prepare(cache, squad_data.SQUAD, 6)
    count = {"train": 6, "trainsmall": 10, "traintiny": 20, "val": 2, "valsmall": 4, "valtiny": 6}
    names = {p: [f"{p}{i}" for i in range(n)] for p, n in count.items()}
    train_names = names["train"] + names["trainsmall"] + names["traintiny"]
    val_names = names["val"] + names["valsmall"] + names["valtiny"]
    tables = dict(zip(train_names + val_names, train_tables + val_tables, strict=True))

    sentence = fit("linear", *(lambda t: (t.rows, t.label))(ta.answerable(concat(train_tables))))
    scores = {n: logits(sentence, tables[n].rows) for n in val_names}
    for f in (0, 1):
        held = train_names[f::2]
        model = fit(
            "linear",
            *(lambda t: (t.rows, t.label))(
                ta.answerable(concat([tables[n] for n in train_names if n not in held]))
            ),
        )
        scores.update({n: logits(model, tables[n].rows) for n in held})
    data = {}
    for n in train_names + val_names:
        questions, rows = candidate_texts(cache, n, tables[n], scores[n])
        data[n] = (questions, rows, [bool(tables[n].label[r[1]]) for r in rows])
    validation = concat(val_tables)
    hit = ta.outcomes(
        validation, ta.chosen(validation, np.concatenate([scores[n] for n in val_names]), RATIO, BONUS)
    )[0]
    return ProbeData(
        tables, scores, data, train_names, val_names, validation, hit, ta.kind_mask(validation, "answerable")
    )


def header() -> None:
    print(
        f"  {'features':<26}{'ok refused':>10}{'contains':>10}{'near':>11}{'rewritten':>11}{'offtopic':>11}"
    )
