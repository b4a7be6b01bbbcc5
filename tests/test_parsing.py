"""Articles come out of files, folders and pages with the right metadata and only article text."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest

from index.errors import UnsupportedDocument
from index.parsing import load_articles, parse_bytes
from index.parsing.loader import load_file

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
MINSK = SEEDS / "000_99d48e18ecef4f04.txt"
KAZAN = SEEDS / "003_cc1abe30432361bb.txt"


def original_lines(path: Path) -> list[str]:
    return [" ".join(line.split()) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_minsk_seed_has_its_title_and_2020_date() -> None:
    article = load_file(MINSK)
    assert article.title == (
        "Prime Minister Askar Mamin participates in session of Eurasian Intergovernmental Council "
        "in Minsk and meets with President of Belarus Alexander Lukashenko"
    )
    assert article.published == date(2020, 7, 17)
    assert article.source == "Prime Minister of the Republic of Kazakhstan"
    assert article.url and article.url.startswith("https://primeminister.kz/")


def test_kazan_seed_has_title_date_author_and_dateline() -> None:
    article = load_file(KAZAN)
    assert article.title == "Kazakhstan and Russia Sign Economic Cooperation Program For 2021-2025"
    assert article.published == date(2021, 4, 30)
    assert article.author == "Aizada Arystanbek"
    assert article.section == "International"
    assert article.dateline == "NUR-SULTAN"
    assert article.source == "The Astana Times"


@pytest.mark.parametrize(
    "path, dropped",
    [
        (MINSK, ["Оставайтесь в курсе событий"]),
        (
            KAZAN,
            [
                "l r",
                "Get The Astana Times stories",
                "Most Recent Stories",
                "View More in International",
                "Meeting of the Eurasian Intergovernmental Council",  # a photo caption with its credit
                "overseeing the signage of bilateral agreements",
            ],
        ),
    ],
)
def test_boilerplate_is_dropped_and_logged(path: Path, dropped: list[str], caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.DEBUG, logger="index.parsing.boilerplate"):
        article = load_file(path)
    for junk in dropped:
        assert junk not in article.text
        assert any(junk in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("path", [MINSK, KAZAN])
def test_every_article_sentence_is_kept(path: Path) -> None:
    article = load_file(path)
    body = " ".join(article.text.split())
    metadata_lines = {article.title, "By Aizada Arystanbek in International on 30 April 2021"}
    junk = ("Оставайтесь", "Get The Astana Times", "Most Recent Stories", "View More", "l r")
    for line in original_lines(path):
        if line in metadata_lines or line.startswith(junk) or line.endswith("Photo credit: Gov.kz"):
            continue
        line = line.replace("NUR-SULTAN – ", "")
        assert line in body, line


def test_markdown_with_front_matter(tmp_path: Path) -> None:
    page = tmp_path / "note.md"
    page.write_text(
        "---\ntitle: Wind farm opens\ndate: 2024-03-05\nauthor: Jane Roe\nurl: https://example.org/wind\n---\n"
        "# Ignored heading\n\nThe **new** wind farm near Yereymentau opened on *Tuesday*.\n\n"
        "It has [42 turbines](https://example.org/t).\n",
        encoding="utf-8",
    )
    article = load_file(page)
    assert (article.title, article.published, article.author) == (
        "Wind farm opens",
        date(2024, 3, 5),
        "Jane Roe",
    )
    assert article.url == "https://example.org/wind"
    assert "The new wind farm near Yereymentau opened on Tuesday." in article.text
    assert "It has 42 turbines." in article.text


def test_html_page_main_text_and_metadata() -> None:
    html = b"""<html><head><title>Grain exports rise | Steppe Daily</title>
    <meta property="og:site_name" content="Steppe Daily">
    <meta name="author" content="Arman Sadykov">
    <meta property="article:published_time" content="2023-09-14T08:00:00Z"></head>
    <body><nav>Home | World | Sport</nav><article><h1>Grain exports rise</h1>
    <p>Kazakhstan exported 9.1 million tonnes of grain in the first half of the season, the ministry said.</p>
    <p>Most of the grain went to Central Asian neighbours and to China, according to the report.</p>
    <p>Subscribe to our Telegram channel to get the news first!</p>
    </article><footer>Copyright Steppe Daily</footer></body></html>"""
    article = parse_bytes(html, "html", "page.html", url="https://steppe.example/grain")
    assert article.title == "Grain exports rise"
    assert article.published == date(2023, 9, 14)
    assert "9.1 million tonnes" in article.text
    assert "Subscribe" not in article.text and "Home | World" not in article.text


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "is empty"),
        (b"   \n\n  ", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary"),
        (bytes(range(256)) * 8, "binary"),
    ],
)
def test_bad_files_are_refused_with_a_reason(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    [(_origin, result)] = list(load_articles(str(path)))
    assert isinstance(result, UnsupportedDocument)
    assert message in str(result)


CYRILLIC = "Станции на Сырдарье\n\nМинистр заявил, что на реке построят 14 станций мониторинга воды."
FRENCH = "Accord signé à Genève\n\nLe ministre a déclaré à Genève que l'accord économique était signé."


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("ru.txt", CYRILLIC.encode("cp1251"), CYRILLIC),  # Kazakh and Russian sites' windows-1251
        ("fr.txt", FRENCH.encode("iso-8859-1"), FRENCH),
        ("bom.txt", CYRILLIC.encode("utf-16"), CYRILLIC),  # what Windows editors call "Unicode"
        ("le.txt", CYRILLIC.encode("utf-16-le"), CYRILLIC),
        ("utf8.txt", CYRILLIC.encode("utf-8-sig"), CYRILLIC),
        (
            "ru.html",
            f'<html><head><meta charset="windows-1251"><title>Станции</title></head><body><article>'
            f"<h1>Станции на Сырдарье</h1><p>{CYRILLIC.splitlines()[-1]}</p></article></body></html>".encode(
                "cp1251"
            ),
            CYRILLIC,
        ),
    ],
)
def test_files_in_legacy_encodings_are_read(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    [(_, article)] = list(load_articles(str(path)))
    assert not isinstance(article, UnsupportedDocument), article
    title, body = expected.split("\n\n")
    assert title.startswith(article.title) and body in article.text


def test_missing_path_and_empty_folder_are_reported(tmp_path: Path) -> None:
    [(_, missing)] = list(load_articles(str(tmp_path / "nope.txt")))
    assert isinstance(missing, UnsupportedDocument) and "does not exist" in str(missing)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "photo.jpg").write_bytes(b"\xff\xd8")
    [(_, empty)] = list(load_articles(str(tmp_path / "empty")))
    assert isinstance(empty, UnsupportedDocument) and "holds no articles" in str(empty)


def test_title_only_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "title.txt"
    path.write_text("Just a headline\n", encoding="utf-8")
    [(_, result)] = list(load_articles(str(path)))
    assert isinstance(result, UnsupportedDocument) and "no body text" in str(result)
