"""The learned answer scorer: its weights load or fail clearly, score as trained, and mark direct answers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from index.answering.answer_type import expected_type, has_answer_type, is_role_question
from index.answering.evidence import QUESTION_FEATURES
from index.answering.features import SENTENCE_FEATURES, read_question
from index.answering.scorer import WEIGHTS, Model, ScorerUnavailable, load_scorer
from index.answering.short_answer import short_answer

ROOT = Path(__file__).resolve().parent.parent


def test_committed_weights_load_and_stay_small() -> None:
    scorer = load_scorer()
    assert WEIGHTS.stat().st_size <= 5_000_000
    assert 0.0 < scorer.min_confidence < 1.0


def test_missing_weights_say_how_to_rebuild_them(tmp_path: Path) -> None:
    with pytest.raises(
        ScorerUnavailable, match=r"missing; rebuild them with: python bench/train_answerer\.py"
    ):
        load_scorer(tmp_path / "answerer.json")


def test_weights_trained_on_other_features_are_refused(tmp_path: Path) -> None:
    data = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    data["sentence"]["features"] = data["sentence"]["features"][:-1]
    path = tmp_path / "answerer.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ScorerUnavailable, match="trained on other features"):
        load_scorer(path)


def test_exported_trees_score_as_scikit_learn_does() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    sys.path.insert(0, str(ROOT))
    from bench.answerer_models import export

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3)).astype(np.float32)  # the feature tables are float32
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0).astype(int)
    names = ("a", "b", "c")
    trees = HistGradientBoostingClassifier(max_iter=20, max_depth=4, random_state=0).fit(x, y)
    linear = make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y)
    for fitted in (trees, linear):
        spec = export(fitted, names)
        keys = ("mean", "scale", "coef") if spec["kind"] == "linear" else ("feature", "threshold", "value")
        model = Model(str(spec["kind"]), {k: np.asarray(spec[k]) for k in keys}, float(spec["bias"]))  # type: ignore[arg-type]
        assert np.allclose(model.logits(x), fitted.decision_function(x), atol=1e-4)


def test_feature_lists_have_unique_names() -> None:
    assert len(set(SENTENCE_FEATURES)) == len(SENTENCE_FEATURES)
    assert len(set(QUESTION_FEATURES)) == len(QUESTION_FEATURES)


@pytest.mark.parametrize(
    "question, sentence, expected",
    [
        (
            "When was the Digital Office created?",
            "The prime minister stressed the need to strengthen the Digital Office created in February 2018.",
            "February 2018",
        ),
        ("In what year did Chopin leave Poland?", "In 1830 Chopin left Poland for Vienna.", "1830"),
        (
            "How many general processes have been developed?",
            "To date, 88 general processes have been developed, of which 19 (21%) have been put into effect.",
            "88",
        ),
        (
            "Who is the president of Belarus?",
            "Prime Minister Askar Mamin met with President of the Republic of Belarus Alexander Lukashenko.",
            "Alexander Lukashenko",
        ),
        (
            "Where did Mamin meet Mishustin?",
            "Askar Mamin visited Kazan where he met Mikhail Mishustin.",
            "Kazan",
        ),
        ("When was the castle built?", "The castle was built in the 1050s by the count.", "the 1050s"),
    ],
)
def test_short_answer_is_the_asked_phrase_the_question_does_not_say(
    question: str, sentence: str, expected: str
) -> None:
    assert short_answer(read_question(question, question, lambda t: 1.0), sentence) == expected


@pytest.mark.parametrize(
    "question, sentence",
    [
        ("What did Mamin and Lukashenko discuss?", "Trade and digital cooperation were discussed."),
        ("When did the council meet?", "The council met to discuss trade."),  # no date to give
        ("Who met Lukashenko in Minsk?", "Lukashenko stayed in Minsk."),  # only names the question says
    ],
)
def test_no_short_answer_without_a_phrase_of_the_asked_kind(question: str, sentence: str) -> None:
    assert short_answer(read_question(question, question, lambda t: 1.0), sentence) is None


@pytest.mark.parametrize(
    "question, kind",
    [
        ("When did Chopin leave Warsaw?", "date"),
        ("In what year was the castle built?", "date"),
        ("What did Mamin say when he arrived in Kazan?", None),  # "when" here asks for no date
        ("How many general processes were developed?", "number"),
        ("Who represented Moldova?", "name"),
    ],
)
def test_asked_kind_is_read_from_the_question(question: str, kind: str | None) -> None:
    assert expected_type(question) == kind


@pytest.mark.parametrize(
    "sentence", ["The fort was built in 1606.", "Trade grew in the 1050s.", "In the 5th century."]
)
def test_dates_before_1800_count_as_dates(sentence: str) -> None:
    assert has_answer_type("date", sentence, "When was it?")


@pytest.mark.parametrize(
    "question, office",
    [
        ("Who is the president of Belarus?", True),
        ("Who was the prime minister of Kyrgyzstan?", True),
        ("Who was the father of Beyoncé?", False),  # a relation, which sentences state in their own words
        ("Who was the author of Pride and Prejudice?", False),
    ],
)
def test_only_offices_of_places_need_a_sentence_tying_them(question: str, office: bool) -> None:
    assert is_role_question(question) is office


def test_a_date_in_the_sentence_quoted_with_the_best_one_counts_for_the_answer() -> None:
    """The answer quotes the best sentence's neighbour too: its date answers "when" as well."""
    from index.answering.evidence import question_features
    from index.answering.features import COLUMN

    rows = np.zeros((3, len(SENTENCE_FEATURES)))
    rows[1, COLUMN["typed"]] = 1.0  # only the best sentence's neighbour holds a date
    logits = np.array([2.0, -1.0, 0.5])
    documents, paragraphs = ["a", "a", "b"], [0, 0, 0]
    evidence = question_features(rows, logits, documents, paragraphs, [4, 5, 5])
    assert evidence[QUESTION_FEATURES.index("best_typed")] == 0.0
    assert evidence[QUESTION_FEATURES.index("answer_typed")] == 1.0
    far = question_features(rows, logits, documents, paragraphs, [4, 9, 5])
    assert far[QUESTION_FEATURES.index("answer_typed")] == 0.0  # not quoted with it: no date


def test_the_articles_topic_words_weigh_less_than_what_the_question_asks_beyond_them() -> None:
    """A near-topic question shares its article's topic words with every sentence: those must not
    count as evidence the way a word only one sentence uses does."""
    from index.answering.extractive import document_words
    from index.answering.features import _specific
    from index.models import DocumentInfo, Sentence

    texts = [
        "The butadiene plant was built in Atyrau.",
        "The butadiene plant employs 400 workers.",
        "The butadiene plant will start production in 2025.",
    ]
    sentences, at = [], 0
    for n, text in enumerate(texts):
        sentences.append(Sentence(n, n, at, at + len(text), text))
        at += len(text) + 1
    document = DocumentInfo("0123456789abcdef", "Butadiene plant", None, None, None, None, None, "2021-05-01")
    asked = "How many workers does the butadiene plant employ?"
    q = read_question(asked, asked, lambda term: 1.0)
    weights = _specific(q, document_words(document, sentences))
    assert weights["butadien"] < weights["worker"] / 2
