"""Fit the topic-subscription threshold (bot/subscriptions/topics.py) on labelled topic/article pairs.

Usage: python bench/fit_topics.py [--data-dir DIR]
Prints the best-sentence cosine of each topic against each seed article and the threshold range
that separates the pairs labelled as matching from those that are not.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.answer_bench import ensure_index  # noqa: E402

MINSK, KAZAN = "Minsk", "Kazakhstan and Russia Sign"
# topic -> the seed articles it is about (by title fragment); every other pair should not match.
LABELS: dict[str, set[str]] = {
    "customs": {MINSK},
    "customs control": {MINSK},
    "space programme": {MINSK, KAZAN},
    "satellites": {MINSK},
    "COVID": {MINSK, KAZAN},
    "coronavirus pandemic": {MINSK, KAZAN},
    "digital economy": {MINSK},
    "geological exploration": {KAZAN},
    "oil and gas": {MINSK, KAZAN},
    "petrochemicals": {KAZAN},
    "Belarus": {MINSK, KAZAN},  # the Kazan article names Belarus among the council members
    "Eurasian Economic Union": {MINSK, KAZAN},
    "football": set(),
    "cooking recipes": set(),
    "stock market": set(),
    "elections in the United States": set(),
    "weather forecast": set(),
    "celebrity gossip": set(),
    "smartphone reviews": set(),
    "climate change protests": set(),
    "tennis tournament": set(),
    "film festival": set(),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="dossier-topics-"))
    ensure_index(data_dir)

    from bot.settings import Settings
    from bot.subscriptions.topics import TOPIC_THRESHOLD, keyword_hit, semantic_score
    from index.archive import Archive

    archive = Archive.open(Settings(data_dir=data_dir).index_settings())
    documents = archive.documents()
    positives, negatives = [], []
    print(f"{'topic':<32}{'article':<30}{'cosine':>8}{'words':>7}{'label':>7}")
    for topic, about in LABELS.items():
        vector = archive.embed_query(topic)
        for document in documents:
            text = archive.document_text(document.doc_id)
            score = semantic_score(vector, archive.sentences(document.doc_id)[1])
            label = any(fragment in document.title for fragment in about)
            words = keyword_hit(topic, document.title, text)
            (positives if label else negatives).append((score, words, topic, document.title[:28]))
            print(f"{topic:<32}{document.title[:28]:<30}{score:>8.3f}{words!s:>7}{label!s:>7}")
    semantic_positives = [p for p in positives if not p[1]]  # those the word rule does not already catch
    low = max(n[0] for n in negatives)
    high = min(p[0] for p in semantic_positives) if semantic_positives else 1.0
    print(f"\nhighest non-matching cosine {low:.3f}; lowest matching cosine without a word hit {high:.3f}")
    print(
        f"current threshold {TOPIC_THRESHOLD:.2f}: "
        f"{sum(p[0] < TOPIC_THRESHOLD and not p[1] for p in positives)} missed, "
        f"{sum(n[0] >= TOPIC_THRESHOLD or n[1] for n in negatives)} false matches"
    )


if __name__ == "__main__":
    main()
