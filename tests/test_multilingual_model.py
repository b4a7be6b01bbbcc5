"""A multilingual model in DOSSIER_EMBEDDING_MODEL: its prompts, the manifest, a mismatch refused.

No multilingual model can be downloaded here, so the plumbing is exercised with the bundled
all-MiniLM-L6-v2 under an E5 name: the prompts an E5 model needs ("query: ", "passage: ") must reach
the ONNX path exactly as sentence-transformers' encode_query/encode_document would prepend them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.settings import BUNDLED_MODEL
from index.archive import Archive
from index.config import IndexSettings
from index.embedding import OnnxEmbedder
from index.errors import ModelMismatch
from index.model_files import export_dir
from index.models import Article
from tests.support.archive import FakeEmbedder, seed_articles

E5 = "intfloat/multilingual-e5-small"


def test_an_e5_model_embeds_questions_and_passages_with_its_prompts(seed_data_dir: Path) -> None:
    folder = export_dir(seed_data_dir, BUNDLED_MODEL)  # its config names no prompts
    plain, e5 = OnnxEmbedder(folder, BUNDLED_MODEL), OnnxEmbedder(folder, E5)
    question, sentence = "Кто президент Беларуси?", "Президент Беларуси Александр Лукашенко."
    assert np.allclose(e5.embed_queries([question]), plain.embed_queries([f"query: {question}"]), atol=1e-6)
    assert np.allclose(
        e5.embed_documents([sentence]), plain.embed_documents([f"passage: {sentence}"]), atol=1e-6
    )
    assert not np.allclose(e5.embed_queries([question]), plain.embed_queries([question]), atol=1e-3)


def test_the_manifest_records_a_multilingual_model_and_refuses_another(tmp_path: Path) -> None:
    settings = IndexSettings(data_dir=tmp_path, model=E5)
    archive = Archive.for_build(settings, FakeEmbedder(E5))
    archive.add(seed_articles(), replace_all=True)
    assert archive.manifest["model"] == E5
    archive.close()
    with pytest.raises(ModelMismatch, match=rf"built with the model {E5}, but DOSSIER_EMBEDDING_MODEL is"):
        Archive.open(IndexSettings(data_dir=tmp_path, model=BUNDLED_MODEL), FakeEmbedder())


@pytest.mark.parametrize("model, reads_russian", [(BUNDLED_MODEL, False), (E5, True)])
def test_a_russian_question_is_ranked_by_meaning_only_with_a_model_that_reads_russian(
    tmp_path: Path, model: str, reads_russian: bool
) -> None:
    """all-MiniLM-L6-v2's ranking of Russian is noise (index/model_traits.py): BM25 ranks alone."""
    talks = Article(
        title="Переговоры в Казани",
        paragraphs=("Стороны провели переговоры о поставках зерна.",),
        url="kazan",
        origin="kazan",
    )
    archive = Archive.for_build(IndexSettings(data_dir=tmp_path, model=model), FakeEmbedder(model))
    archive.add([*seed_articles(), ("kazan", talks)], replace_all=True)
    russian = archive.search("О чём были переговоры в Казани?", 5)
    assert russian[0].document.title == "Переговоры в Казани"
    assert any("dense" in h.ranks for h in russian) == reads_russian
    assert all("dense" in h.ranks for h in archive.search("Which companies signed the agreement?", 5))
    assert archive.model_reads("ru") == reads_russian and archive.model_reads("en")
    archive.close()
