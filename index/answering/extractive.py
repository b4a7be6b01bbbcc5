"""The sentences that could answer a question: gathered from the retrieved passages, read in context."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from index.lexical import tokenize
from index.models import DocumentInfo, Hit, Sentence

# Words every question has that say nothing about its subject (in each language's own tokens).
_QUESTION_NOISE = frozenset(
    tokenize("many much tell name please know article articles story stories news mention mentioned")
    + tokenize("расскажи расскажите назови назовите статья статье статьи новость новости упоминается", "ru")
    + tokenize("айтыңыз атаңыз мақала мақалада жаңалық жаңалықтар", "kk")
)
_LEANS_ON_PREVIOUS = re.compile(
    r"^(he|she|it|they|this|these|those|that|his|her|its|their|there|such|both|also|however|but)\b", re.I
)
# News reports talks with a handful of interchangeable verbs; count them as one word (stems).
_SAME_MEANING = {"talk": "discuss", "negoti": "discuss", "discuss": "discuss"}
# Past tenses and participles, the form news reports actions in. Lower case only, so that names
# ("Ahmed", "United") are not taken for verbs.
_REPORTED_VERB = re.compile(r"\b[a-z]{2,}ed\b")
MAX_ANSWER_CHARS = 600  # an answer is one or two sentences and never longer than this


@dataclass(frozen=True)
class Words:
    """A sentence's stemmed words, and those of them it uses as verbs of reported action."""

    terms: frozenset[str] = frozenset()
    verbs: frozenset[str] = frozenset()
    order: tuple[str, ...] = ()  # the stems in reading order, for phrases of two words


@dataclass(frozen=True)
class DocumentWords:
    """The words of one article, by sentence, by paragraph and as a whole."""

    sentences: list[Words]
    paragraphs: dict[int, frozenset[str]]
    headline: frozenset[str]
    frame: frozenset[str]  # headline and lead: they set the scene of every later sentence
    article: frozenset[str]  # every word of the article, its headline, author and source
    spread: dict[str, int]  # in how many of its sentences each word occurs (its topic words: most)


@dataclass(frozen=True)
class Candidate:
    """A sentence that may answer, with what retrieval and its article say about it."""

    document: DocumentInfo
    sentence: Sentence
    vector: np.ndarray
    retrieval: float  # fused retrieval score of its best passage, relative to the top passage
    rank: int  # rank of its best passage (1 = top); a neighbour of a passage gets that passage's
    inside: bool  # inside a retrieved passage, not only next to one
    dense: float  # cosine of question and sentence
    dense_around: float  # best cosine of the sentences before and after it in its paragraph
    dense_paragraph: float  # best cosine of any sentence of its paragraph
    # What the sentence says beyond its article's topic: its cosine standardised over the article's
    # sentences, the cosine of the question with the sentence minus the article's centroid, and how
    # far its paragraph's mean cosine stands above the article's.
    dense_z: float
    dense_specific: float
    paragraph_lift: float
    words: Words
    around: frozenset[str]  # words of the sentences before and after it in its paragraph
    context: DocumentWords


# What the scorer is shown as every candidate's cosines when the embedding model does not read the
# question's language (all-MiniLM-L6-v2 and Russian: index/model_traits.py): its cosines would only
# add noise, so the scorer ranks by words. Fitted on SQuAD archives read the same way (BM25 alone,
# cosines hidden) by bench/unread_dense.py: the value whose answers hold the gold most often while
# still refusing most off-topic questions (train: 0.712 and 0.626; validation: 0.727 and 0.566,
# against 0.816 and 0.786 with the real cosines); on train 0.45 answered 0.668, 0.65 refused 0.348.
UNREAD_DENSE = 0.6


def cosines_hidden(candidates: list[Candidate]) -> list[Candidate]:
    """The candidates with every cosine shown as UNREAD_DENSE."""
    shown = UNREAD_DENSE
    return [replace(c, dense=shown, dense_around=shown, dense_paragraph=shown) for c in candidates]


SentenceLoader = Callable[[str], tuple[list[Sentence], np.ndarray]]
WordsLoader = Callable[[str], DocumentWords]


def terms_of(text: str, language: str = "en") -> frozenset[str]:
    """A text's stemmed words, with verbs of talking folded into one."""
    return frozenset(stems(text, language))


def stems(text: str, language: str = "en") -> tuple[str, ...]:
    return tuple(_SAME_MEANING.get(t, t) for t in tokenize(text, language))


def words_of(text: str, language: str = "en") -> Words:
    """A sentence's words, with the ones it uses as past-tense verbs set apart."""
    order = stems(text, language)
    return Words(frozenset(order), terms_of(" ".join(_REPORTED_VERB.findall(text)), language), order)


def document_words(document: DocumentInfo, sentences: Sequence[Sentence]) -> DocumentWords:
    """Every sentence's words, and the word sets of each paragraph and the whole article, read in the
    article's language."""
    language = document.language
    words = [words_of(s.text, language) for s in sentences]
    paragraphs: dict[int, set[str]] = {}
    spread: dict[str, int] = {}
    for sentence, own in zip(sentences, words, strict=True):
        paragraphs.setdefault(sentence.paragraph, set()).update(own.terms)
        for term in own.terms:
            spread[term] = spread.get(term, 0) + 1
    headline = terms_of(document.title, language)
    frame = headline | (words[0].terms if words else frozenset())
    credits = terms_of(f"{document.author or ''} {document.source or ''}", language)
    article = headline.union(credits, *(w.terms for w in words))
    return DocumentWords(
        words, {p: frozenset(t) for p, t in paragraphs.items()}, headline, frame, article, spread
    )


def question_terms(query: str, language: str = "en") -> frozenset[str]:
    """The words of a question that name its subject."""
    return frozenset(t for t in terms_of(query, language) if t not in _QUESTION_NOISE)


def gather(
    hits: Sequence[Hit],
    load: SentenceLoader,
    words: WordsLoader,
    query_vector: np.ndarray,
    neighbours: int = 1,
) -> list[Candidate]:
    """Sentences of the retrieved passages and their neighbours, each once, in retrieval order."""
    if not hits:
        return []
    top = max(h.score for h in hits) or 1.0
    best: dict[tuple[str, int], tuple[float, int, bool]] = {}
    documents: dict[str, DocumentInfo] = {}
    for rank, hit in enumerate(hits, 1):
        doc_id = hit.document.doc_id
        documents.setdefault(doc_id, hit.document)
        for position in range(hit.first_sentence - neighbours, hit.last_sentence + neighbours + 1):
            inside = hit.first_sentence <= position <= hit.last_sentence
            value = (hit.score / top if inside else 0.0, -rank, inside)
            best[(doc_id, position)] = max(best.get((doc_id, position), value), value)
    candidates = []
    for doc_id, document in documents.items():
        sentences, vectors = load(doc_id)
        context = words(doc_id)
        if not len(sentences):
            continue
        dense = vectors @ query_vector
        specific, standard = _beyond_topic(vectors, dense)
        paragraph_best: dict[int, float] = {}
        paragraph_sum: dict[int, list[float]] = {}
        for sentence, value in zip(sentences, dense.tolist(), strict=True):
            paragraph_best[sentence.paragraph] = max(paragraph_best.get(sentence.paragraph, -1.0), value)
            paragraph_sum.setdefault(sentence.paragraph, []).append(value)
        mean = float(dense.mean())
        for sentence in sentences:
            found = best.get((doc_id, sentence.position))
            if found is None or not answerable(sentence.text):
                continue
            at = sentence.position
            near = [i for i in (at - 1, at + 1) if 0 <= i < len(sentences)]
            near = [i for i in near if sentences[i].paragraph == sentence.paragraph]
            around = frozenset().union(*(context.sentences[i].terms for i in near))
            candidates.append(
                Candidate(
                    document=document,
                    sentence=sentence,
                    vector=vectors[at],
                    retrieval=found[0],
                    rank=-found[1],
                    inside=found[2],
                    dense=float(dense[at]),
                    dense_around=max((float(dense[i]) for i in near), default=0.0),
                    dense_paragraph=paragraph_best[sentence.paragraph],
                    dense_z=float(standard[at]),
                    dense_specific=float(specific[at]),
                    paragraph_lift=float(np.mean(paragraph_sum[sentence.paragraph])) - mean,
                    words=context.sentences[at],
                    around=around,
                    context=context,
                )
            )
    return candidates


def _beyond_topic(vectors: np.ndarray, dense: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per sentence: the cosine of the question with (sentence - the article's centroid), and the
    sentence's cosine standardised over the article. A near-topic question is close to every sentence
    of its article and to none in particular; the sentence that answers stands out of its article."""
    centroid = vectors.mean(axis=0)
    # Vectors are normalised: |s - c|^2 = 1 - 2 s.c + c.c, and (s - c).q = s.q - c.q.
    distance = np.sqrt(np.maximum(1.0 - 2.0 * (vectors @ centroid) + float(centroid @ centroid), 1e-4))
    mean = float(dense.mean())
    spread = float(dense.std()) if len(dense) > 1 else 1.0
    return (dense - mean) / distance, (dense - mean) / max(spread, 0.02)


# Captions and credits are not statements an answer can quote ("Meeting of the Council. Photo
# credit: Gov.kz"); the parser drops the ones it recognises, this catches the rest at answer time.
_CREDIT = re.compile(
    r"\b(photo|image|picture|video)\s*(credit|source|by|courtesy)?\s*:|©|\bcourtesy of\b", re.I
)


def answerable(text: str) -> bool:
    """Can this stored sentence be quoted as an answer? Not a caption, a credit or a stray label."""
    if _CREDIT.search(text):
        return False
    return len(text.split()) >= 3


def select(
    ranked: Sequence[tuple[Candidate, float]], ratio: float, neighbour_bonus: float = 1.0
) -> list[Candidate]:
    """The best sentence, and the best other sentence of the same article scoring within `ratio` of it.

    Same article only: the answer then cites one source, whose quote holds both sentences. Its
    neighbours count `neighbour_bonus` times their probability: an answer often follows the sentence
    that repeats the question ("… attended the first meeting of the Council." "The heads of
    government discussed …"). The two must fit MAX_ANSWER_CHARS. Both numbers are chosen on
    validation by bench/train_answerer.py.
    """
    if not ranked:
        return []
    first, score = ranked[0]
    options = [
        (value * (neighbour_bonus if abs(other.sentence.position - first.sentence.position) == 1 else 1.0), n)
        for n, (other, value) in enumerate(ranked[1:], 1)
        if value >= ratio * score
        and other.document.doc_id == first.document.doc_id
        and len(first.sentence.text) + len(other.sentence.text) + 1 <= MAX_ANSWER_CHARS
    ]
    return [first, ranked[max(options)[1]][0]] if options else [first]


def with_context(
    chosen: Sequence[Candidate], load: SentenceLoader, max_sentences: int = 2
) -> list[tuple[DocumentInfo, Sentence]]:
    """Chosen sentences in reading order, a lone one preceded by the one before it when it leans on it."""
    picked: dict[tuple[str, int], tuple[DocumentInfo, Sentence]] = {}
    for item in chosen:
        picked[(item.document.doc_id, item.sentence.position)] = (item.document, item.sentence)
    if len(chosen) < max_sentences:
        item = chosen[0]
        document, sentence = item.document, item.sentence
        if _LEANS_ON_PREVIOUS.match(sentence.text) and sentence.position > 0:
            previous = load(document.doc_id)[0][sentence.position - 1]
            fits = len(previous.text) + len(sentence.text) + 1 <= MAX_ANSWER_CHARS
            if previous.paragraph == sentence.paragraph and fits:
                picked[(document.doc_id, previous.position)] = (document, previous)
    order = {item.document.doc_id: i for i, item in enumerate(chosen)}
    return [picked[key] for key in sorted(picked, key=lambda k: (order[k[0]], k[1]))]
