"""Does a new article match a subscriber's topic? Exact words, or close enough in meaning."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from index.lexical import tokenize

# Cosine between the topic and the article's best sentence, fitted with bench/fit_topics.py on 44
# labelled topic/article pairs: unrelated topics score at most 0.23, related ones without a word
# hit 0.29-0.58; 0.37 misses one ("oil and gas" for "hydrocarbon deposits", 0.29) and lets one
# borderline pair through ("satellites" for an article on joint space projects, 0.39).
TOPIC_THRESHOLD = 0.37


def keyword_hit(topic: str, title: str, text: str) -> bool:
    """Every word of the topic appears in the article (after stemming)."""
    wanted = set(tokenize(topic))
    return bool(wanted) and wanted <= set(tokenize(f"{title} {text}"))


def semantic_score(topic_vector: np.ndarray, sentence_vectors: np.ndarray) -> float:
    """How close the article's closest sentence comes to the topic."""
    if sentence_vectors.size == 0:
        return 0.0
    return float(np.max(sentence_vectors @ topic_vector))


def matches(
    topic: str, topic_vector: np.ndarray, title: str, text: str, sentence_vectors: np.ndarray
) -> bool:
    return (
        keyword_hit(topic, title, text) or semantic_score(topic_vector, sentence_vectors) >= TOPIC_THRESHOLD
    )


def without_excluded(
    chats: list[int | str],
    excluded: dict[int, list[str]],
    topic_vectors: dict[str, np.ndarray],
    embed: Callable[[str], np.ndarray],
    title: str,
    text: str,
    sentence_vectors: np.ndarray,
) -> list[int | str]:
    """The chats, less those that excluded a topic this article matches (/exclude TOPIC): an exclusion
    wins over any subscription, with the same matching as subscribing."""
    kept = []
    for chat in chats:
        topics = excluded.get(chat, []) if isinstance(chat, int) else []
        for topic in topics:
            if topic not in topic_vectors:
                topic_vectors[topic] = embed(topic)
        if not any(matches(t, topic_vectors[t], title, text, sentence_vectors) for t in topics):
            kept.append(chat)
    return kept
