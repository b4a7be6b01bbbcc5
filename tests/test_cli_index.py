"""The `dossier index` and `dossier search` commands, run as a user runs them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support.archive import run_dossier

NEW_ARTICLE = """Astana hosts regional water summit

By Dana Seitkali in Environment on 12 May 2022

ASTANA – Ministers from five Central Asian countries met in Astana to discuss shared water resources.

The summit agreed to build 14 new monitoring stations on the Syr Darya river by 2025.
"""


@pytest.fixture(scope="module")
def page_server() -> Iterator[str]:
    """A loopback web server with an article page, a PDF and a 404."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            pages = {
                "/article.html": (
                    "text/html; charset=utf-8",
                    (
                        b"<html><head><title>Rail link to China opens</title></head><body><article>"
                        b"<h1>Rail link to China opens</h1><p>The new rail link carries 20 freight trains "
                        b"a day between Almaty and Urumqi, the operator said on Monday.</p>"
                        b"<p>Travel time for containers fell from five days to two.</p></article></body></html>"
                    ),
                ),
                "/report.pdf": ("application/pdf", b"%PDF-1.4 binary"),
            }
            if self.path not in pages:
                self.send_error(404)
                return
            content_type, body = pages[self.path]
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_build_then_search_finds_kazgeology_passage_first(cli_env: dict[str, str]) -> None:
    built = run_dossier(cli_env, "index", "build")
    assert built.returncode == 0, built.stderr
    assert "built: 2 documents" in built.stdout
    found = run_dossier(cli_env, "search", "Kazgeology", "--json")
    assert found.returncode == 0, found.stderr
    first = json.loads(found.stdout)["hits"][0]
    assert "Kazgeology and Rosgeologia" in first["text"]
    assert first["title"] == "Kazakhstan and Russia Sign Economic Cooperation Program For 2021-2025"


def allowing_loopback(env: dict[str, str]) -> dict[str, str]:
    """The page server is on loopback, which Dossier refuses to fetch from unless allowed."""
    return {**env, "DOSSIER_FETCH_ALLOWED_NETWORKS": "127.0.0.1"}


def test_add_makes_article_searchable_and_adding_again_changes_nothing(
    seeded_env: dict[str, str], tmp_path: Path, page_server: str
) -> None:
    cli_env = allowing_loopback(seeded_env)
    article = tmp_path / "water.txt"
    article.write_text(NEW_ARTICLE, encoding="utf-8")
    first = run_dossier(cli_env, "index", "add", str(article), f"{page_server}/article.html")
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("added") == 2
    again = run_dossier(cli_env, "index", "add", str(article))
    assert again.returncode == 0 and again.stdout.startswith("unchanged")
    found = json.loads(
        run_dossier(cli_env, "search", "monitoring stations on the Syr Darya", "--json").stdout
    )
    assert "14 new monitoring stations" in found["hits"][0]["text"]
    listed = json.loads(run_dossier(cli_env, "index", "list", "--json").stdout)
    assert {d["title"] for d in listed} >= {"Astana hosts regional water summit", "Rail link to China opens"}
    water = next(d for d in listed if d["title"].startswith("Astana hosts"))
    assert water["author"] == "Dana Seitkali" and water["published"] == "2022-05-12"
    removed = run_dossier(cli_env, "index", "remove", water["doc_id"])
    assert removed.returncode == 0
    assert len(json.loads(run_dossier(cli_env, "index", "list", "--json").stdout)) == 3


def test_list_shows_the_language_of_each_article(seeded_env: dict[str, str], tmp_path: Path) -> None:
    article = tmp_path / "kazan.txt"
    article.write_text(
        "Переговоры в Казани\n\nАвтор: Айзада Арыстанбек, 30 апреля 2021 года\n\n"
        "Премьер-министры провели переговоры в Казани и подписали программу сотрудничества.",
        encoding="utf-8",
    )
    assert run_dossier(seeded_env, "index", "add", str(article)).returncode == 0
    listed = {d["title"]: d for d in json.loads(run_dossier(seeded_env, "index", "list", "--json").stdout)}
    kazan = listed.pop("Переговоры в Казани")
    assert (kazan["language"], kazan["published"], kazan["author"]) == (
        "ru",
        "2021-04-30",
        "Айзада Арыстанбек",
    )
    assert {d["language"] for d in listed.values()} == {"en"}
    assert "2021-04-30  ru  Переговоры в Казани" in run_dossier(seeded_env, "index", "list").stdout


@pytest.mark.parametrize(
    "item, message",
    [
        ("missing.txt", "does not exist"),
        ("{server}/report.pdf", "not an HTML page"),
        ("{server}/gone.html", "HTTP 404"),
        ("http://127.0.0.1:9/nothing-listens-here", "cannot fetch"),
    ],
)
def test_bad_items_fail_with_one_clear_line_and_keep_the_index(
    seeded_env: dict[str, str], page_server: str, item: str, message: str
) -> None:
    cli_env = allowing_loopback(seeded_env)
    before = run_dossier(cli_env, "index", "list", "--json").stdout
    result = run_dossier(cli_env, "index", "add", item.format(server=page_server))
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr
    assert run_dossier(cli_env, "index", "list", "--json").stdout == before


def test_a_page_on_an_internal_address_is_refused_unless_the_operator_allows_it(
    seeded_env: dict[str, str], page_server: str
) -> None:
    result = run_dossier(seeded_env, "index", "add", f"{page_server}/article.html")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "127.0.0.1 is a loopback address" in result.stderr
    assert "DOSSIER_FETCH_ALLOWED_NETWORKS" in result.stderr
    bad = run_dossier(
        {**seeded_env, "DOSSIER_FETCH_ALLOWED_NETWORKS": "10.0.0.0/8, not a host!"}, "index", "list"
    )
    assert bad.returncode == 1 and "DOSSIER_FETCH_ALLOWED_NETWORKS" in bad.stderr
    assert "'not a host!' is neither a host name" in bad.stderr


def test_bad_files_in_a_folder_do_not_stop_the_good_ones(cli_env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "good.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02garbage")
    result = run_dossier(cli_env, "index", "add", str(folder))
    assert result.returncode == 1
    assert "added" in result.stdout and "empty.txt" in result.stderr and "binary.txt" in result.stderr


def test_search_without_an_index_says_how_to_build_one(cli_env: dict[str, str]) -> None:
    result = run_dossier(cli_env, "search", "anything")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"dossier: there is no index in {cli_env['DOSSIER_DATA_DIR']} yet; build it with: dossier index build"
    )


def test_corrupt_index_is_reported_without_a_traceback(seeded_env: dict[str, str]) -> None:
    cli_env = seeded_env
    db = Path(cli_env["DOSSIER_DATA_DIR"]) / "dossier.sqlite3"
    db.write_bytes(b"garbage" * 1000)
    result = run_dossier(cli_env, "search", "Kazgeology")
    assert result.returncode == 1 and "damaged" in result.stderr and "Traceback" not in result.stderr


def test_unwritable_data_dir_is_reported(cli_env: dict[str, str], tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    env = {**cli_env, "DOSSIER_DATA_DIR": str(blocker / "data")}
    result = run_dossier(env, "index", "build")
    assert result.returncode == 1 and "cannot create the data directory" in result.stderr


def test_compact_folds_added_articles_into_the_search_files(
    seeded_env: dict[str, str], tmp_path: Path
) -> None:
    article = tmp_path / "water.txt"
    article.write_text(NEW_ARTICLE, encoding="utf-8")
    assert run_dossier(seeded_env, "index", "add", str(article)).returncode == 0
    data_dir = Path(seeded_env["DOSSIER_DATA_DIR"])
    before = {p.name for p in data_dir.glob("segment-*")}
    compacted = run_dossier(seeded_env, "index", "compact")
    assert compacted.returncode == 0 and compacted.stdout.startswith("compacted:"), compacted.stderr
    assert {p.name for p in data_dir.glob("segment-*")} - before  # a new segment holds the article
    found = json.loads(
        run_dossier(seeded_env, "search", "monitoring stations on the Syr Darya", "--json").stdout
    )
    assert "14 new monitoring stations" in found["hits"][0]["text"]
    assert run_dossier(seeded_env, "index", "compact").stdout.strip() == "nothing to compact"
