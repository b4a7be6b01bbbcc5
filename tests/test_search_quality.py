"""Hybrid search with the real model puts the passage that answers a question first."""

from __future__ import annotations

import pytest

from index.archive import Archive

# (question, a phrase of the passage that must rank first)
QUESTIONS = [
    ("Kazgeology", "Kazgeology and Rosgeologia"),
    ("butadiene", "production of butadiene"),
    ("88", "88 general processes"),
    (
        "How many general processes were developed for the integrated information system?",
        "88 general processes",
    ),
    ("How many digital initiatives were rejected?", "40 rejected"),
    ("Who is the president of Belarus?", "Alexander Lukashenko"),
    ("Which heads of government did Mamin hold bilateral talks with?", "Roman Golovchenko"),
    ("What did the sides agree about geological exploration?", "Kazgeology and Rosgeologia"),
    ("Where did Mamin meet Mishustin in April 2021?", "visited Kazan"),
    ("customs marks on electronic documents", "marks of customs authorities"),
    ("programme of economic cooperation until 2025", "comprehensive program of economic cooperation"),
    ("satellite imagery data bank", "single data bank for space imagery"),
    ("measures against the coronavirus pandemic in the union", "prevent the spread of coronavirus"),
    ("When was the Digital Office created?", "Digital Office created in February 2018"),
    ("transboundary rivers", "transboundary rivers"),
]


@pytest.mark.parametrize("question, phrase", QUESTIONS)
def test_the_answering_passage_ranks_first(seed_archive: Archive, question: str, phrase: str) -> None:
    hits = seed_archive.search(question, 5)
    assert phrase in hits[0].text, [h.text[:80] for h in hits]


def test_hits_carry_metadata_offsets_and_scores(seed_archive: Archive) -> None:
    hit = seed_archive.search("Kazgeology", 1)[0]
    assert hit.document.title == "Kazakhstan and Russia Sign Economic Cooperation Program For 2021-2025"
    assert hit.document.author == "Aizada Arystanbek" and hit.document.url
    text = seed_archive.document_text(hit.document.doc_id)
    assert text[hit.start : hit.end] == hit.text
    assert hit.lexical_score and hit.lexical_score > 0 and hit.dense_score is not None
