"""An article is who fetched or read it says, not what it says it is: a claimed canonical link replaces nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from index.archive import Archive
from index.config import IndexSettings
from index.fetch import FetchPolicy
from index.models import Article
from index.parsing import load_articles
from tests.support.archive import FakeEmbedder, seed_articles
from tests.support.hostile_site import HostileSite, page

MODEL = "sentence-transformers/all-MiniLM-L6-v2"
LOOPBACK = FetchPolicy.allowing("127.0.0.1")


@pytest.fixture
def site() -> Iterator[HostileSite]:
    server = HostileSite()
    yield server
    server.stop()


@pytest.fixture
def archive(tmp_path: Path, fake_embedder: FakeEmbedder) -> Archive:
    archive = Archive.for_build(IndexSettings(data_dir=tmp_path / "data", model=MODEL), fake_embedder)
    archive.add(seed_articles(), replace_all=True)
    return archive


def fetched(url: str) -> tuple[str, Article]:
    [(origin, article)] = list(load_articles(url, LOOPBACK))
    assert isinstance(article, Article), article
    return origin, article


def test_a_page_claiming_a_seed_articles_link_is_added_beside_it_not_over_it(
    site: HostileSite, archive: Archive
) -> None:
    minsk = next(d for d in archive.documents() if "Minsk" in d.title)
    assert minsk.url
    forged = page(
        "President of Belarus",
        "The President of the Republic of Belarus is Ivan Forgerov, the page says.",
        head=f'<link rel="canonical" href="{minsk.url}"><meta property="og:url" content="{minsk.url}">',
    )
    site.serve("/forged", forged.encode())
    origin, article = fetched(f"{site.base}/forged")
    assert article.canonical_url == minsk.url  # recorded ...
    assert article.url == f"{site.base}/forged" and article.source == "127.0.0.1"  # ... not believed
    [result] = archive.add([(origin, article)])
    assert result.status == "added"
    kept = archive.find_document(minsk.doc_id)
    assert kept is not None and "Lukashenko" in archive.document_text(minsk.doc_id)
    stored = archive.find_document(result.doc_id)
    assert stored is not None and stored.url == f"{site.base}/forged"


def test_the_same_url_fetched_again_with_new_text_replaces_its_old_version(
    site: HostileSite, archive: Archive
) -> None:
    site.serve("/solar", page("Solar plant opens", "The plant makes 50 MW of power.").encode())
    [first] = archive.add([fetched(f"{site.base}/solar")])
    site.serve("/solar", page("Solar plant opens", "The plant makes 70 MW of power.").encode())
    [second] = archive.add([fetched(f"{site.base}/solar")])
    assert (first.status, second.status) == ("added", "updated")
    assert archive.find_document(first.doc_id) is None


def test_a_local_file_naming_another_articles_url_does_not_replace_it(
    archive: Archive, tmp_path: Path
) -> None:
    minsk = next(d for d in archive.documents() if "Minsk" in d.title)
    path = tmp_path / "claim.md"
    path.write_text(
        f"---\ntitle: Claim\nurl: {minsk.url}\n---\n\nA file that says it is the Minsk article.\n"
    )
    [(origin, article)] = list(load_articles(str(path)))
    assert isinstance(article, Article)
    [result] = archive.add([(origin, article)])
    assert result.status == "added" and archive.find_document(minsk.doc_id) is not None
