"""Files that are not what they seem: FIFOs, links to devices or out of the folder, undecodable names."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from index.errors import UnsupportedDocument
from index.parsing import load_articles
from index.parsing.loader import iter_folder
from tests.support.archive import run_dossier

ARTICLE = "Rail link opens\n\nThe new rail link carries 20 freight trains a day between Almaty and Urumqi.\n"


def load_within(item: str, seconds: float = 10) -> list[tuple[str, object]]:
    """load_articles in a thread: a test of something that used to block forever must not block."""
    found: list[tuple[str, object]] = []
    thread = threading.Thread(target=lambda: found.extend(load_articles(item)), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"reading {item} blocked"
    return found


def test_a_fifo_named_like_an_article_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    [(_, refused)] = load_within(str(fifo))
    assert isinstance(refused, UnsupportedDocument) and "not a regular file" in str(refused)
    (tmp_path / "good.txt").write_text(ARTICLE)
    assert iter_folder(tmp_path) == [tmp_path / "good.txt"]


def test_a_link_to_a_device_is_refused_without_reading_it(tmp_path: Path) -> None:
    link = tmp_path / "zero.txt"
    link.symlink_to("/dev/zero")
    [(_, refused)] = load_within(str(link))
    assert isinstance(refused, UnsupportedDocument) and "not a regular file" in str(refused)
    assert iter_folder(tmp_path) == []


def test_links_out_of_a_folder_are_not_followed_and_links_inside_are(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret.txt").write_text("Secret memo\n\nThe password of the staff wiki is hunter2.\n")
    folder = tmp_path / "watched"
    (folder / "sub").mkdir(parents=True)
    (folder / "good.txt").write_text(ARTICLE)
    (folder / "out.txt").symlink_to(elsewhere / "secret.txt")
    (folder / "outdir").symlink_to(elsewhere, target_is_directory=True)
    (folder / "sub" / "alias.txt").symlink_to(folder / "good.txt")
    (folder / "dangling.txt").symlink_to(tmp_path / "nothing.txt")
    assert iter_folder(folder) == [folder / "good.txt", folder / "sub" / "alias.txt"]
    loaded = [a for _, a in load_articles(str(folder))]
    assert all("hunter2" not in getattr(a, "text", "") for a in loaded)


def test_a_name_that_is_not_utf8_is_skipped_and_the_rest_are_added(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "good.txt").write_text(ARTICLE)
    bad = os.path.join(os.fsencode(folder), b"caf\xe9-latin1.txt")
    with open(bad, "w") as handle:
        handle.write("Another article\n\nIts name was written in latin-1 by an old program.\n")
    built = run_dossier(cli_env, "index", "build", str(folder))
    assert built.returncode == 0, built.stderr
    assert "added" in built.stdout and "Rail link opens" in built.stdout
    assert "caf\\xe9-latin1.txt" in built.stderr and "not valid UTF-8" in built.stderr
    assert "Traceback" not in built.stderr and "unexpected error" not in built.stderr
    direct = run_dossier(cli_env, "index", "add", os.fsdecode(bad))
    assert direct.returncode == 1 and "not valid UTF-8; rename the file" in direct.stderr
    assert "unexpected error" not in direct.stderr


@pytest.mark.parametrize("kind", ["fifo", "link to /dev/zero"])
def test_the_cli_refuses_special_files_in_one_line(
    cli_env: dict[str, str], tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "odd.txt"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    result = run_dossier(cli_env, "index", "add", str(path), timeout=60)
    assert result.returncode == 1 and "not a regular file" in result.stderr
