"""`dossier feeds export/import`: OPML out of one Dossier and into another, and files from elsewhere
that are malformed or hostile refused with one line, changing nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.subscriptions.opml import OpmlError, read_opml
from tests.support.archive import run_dossier

FEEDS = ["https://news.example/rss", "https://other.example/feed.atom?lang=en&x=1"]
# What feed readers write: folders of outlines, attributes in other case, a feed twice, comments.
READER_EXPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- exported by a feed reader -->
<opml version="1.0"><head><title>My feeds</title></head><body>
  <outline text="News">
    <outline text="One" type="rss" xmlUrl="https://news.example/rss" htmlUrl="https://news.example/"/>
    <outline text="Two" type="rss" xmlurl="https://third.example/index.xml"/>
  </outline>
  <outline text="One again" type="rss" xmlUrl="https://news.example/rss"/>
</body></opml>"""
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<opml version="2.0"><body><outline text="&d;" xmlUrl="https://a.example/rss"/></body></opml>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><head><title>&secret;</title></head>
<body><outline text="x" xmlUrl="https://a.example/rss"/></body></opml>"""


def dossier(env: dict[str, str], *args: str) -> str:
    done = run_dossier(env, "feeds", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def listed(env: dict[str, str]) -> list[str]:
    return [line.split("  ")[0] for line in dossier(env, "list").splitlines()[:-1]]


def test_feeds_exported_as_opml_are_imported_by_another_dossier(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    for url in FEEDS:
        dossier(cli_env, "add", url)
    opml = tmp_path / "feeds.opml"
    done = run_dossier(cli_env, "feeds", "export", str(opml))
    assert done.returncode == 0 and "2 feed(s) written" in done.stderr
    assert read_opml(opml.read_bytes(), "feeds.opml") == sorted(FEEDS)
    other = {**cli_env, "DOSSIER_DATA_DIR": str(tmp_path / "other")}
    (tmp_path / "other").mkdir()
    assert "imported 2 feed(s): 2 added, 0 already polled" in dossier(other, "import", str(opml))
    assert listed(other) == sorted(FEEDS)
    assert "0 added, 2 already polled" in dossier(other, "import", str(opml))


def test_a_feed_readers_export_is_read_with_its_folders_once_each(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "reader.opml"
    path.write_bytes(READER_EXPORT)
    assert "imported 2 feed(s): 2 added" in dossier(cli_env, "import", str(path))
    assert listed(cli_env) == ["https://news.example/rss", "https://third.example/index.xml"]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (READER_EXPORT[:-20], "is not well-formed XML"),
        (b"<rss><channel/></rss>", "is not OPML"),
        (
            READER_EXPORT.replace(b"https://third.example/index.xml", b"file:///etc/passwd"),
            "is not an http(s) URL",
        ),
        (BILLION_LAUGHS, "declares a document type"),
        (EXTERNAL_ENTITY, "declares a document type"),
        (b"<opml><body><outline text='folder'/></body></opml>", "lists no feeds"),
    ],
    ids=["cut short", "not opml", "file url", "billion laughs", "external entity", "no feeds"],
)
def test_a_malformed_or_hostile_file_gets_one_line_and_changes_nothing(
    cli_env: dict[str, str], tmp_path: Path, content: bytes, says: str
) -> None:
    dossier(cli_env, "add", FEEDS[0])
    path = tmp_path / "bad.opml"
    path.write_bytes(content)
    done = run_dossier(cli_env, "feeds", "import", str(path))
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and says in done.stderr and "nothing imported" in done.stderr
    assert listed(cli_env) == [FEEDS[0]]


def test_an_oversized_file_is_refused_before_it_is_parsed() -> None:
    with pytest.raises(OpmlError, match="over 5 MB"):
        read_opml(b" " * (5 * 1024 * 1024 + 1), "huge.opml")
