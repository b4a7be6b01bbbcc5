"""Feed lists in OPML, the file every feed reader exports and imports.

lxml reads and writes it: it is already how Dossier reads HTML (trafilatura), it is maintained, and
its parser can be closed to what an untrusted file could try. These files come from elsewhere, so a
document type declaration, which OPML never needs, is refused outright (entity expansion bombs and
external entities both live there, as defusedxml's forbid_dtd has it), entities are never resolved,
nothing is fetched from the network, and the file is read only up to MAX_BYTES.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from lxml import etree

from index.errors import DossierError

MAX_BYTES = 5 * 1024 * 1024  # an OPML list of a thousand feeds is about 200 kB
MAX_FEEDS = 10_000


class OpmlError(DossierError):
    """A file that is not an OPML list of feeds; nothing of it was imported."""


def read_opml(data: bytes, name: str) -> list[str]:
    """The feed URLs (xmlUrl) of an OPML file, in its order, each once; OpmlError says what is wrong."""
    if len(data) > MAX_BYTES:
        raise OpmlError(
            f"{name} is over {MAX_BYTES // 1024 // 1024} MB: not a list of feeds; nothing imported"
        )
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=True
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise OpmlError(f"{name} is not well-formed XML ({error.msg}); nothing imported") from None
    if root.getroottree().docinfo.doctype:
        raise OpmlError(f"{name} declares a document type, which OPML never needs; refused, nothing imported")
    body = root.find("body") if root.tag == "opml" else None
    if body is None:
        raise OpmlError(f"{name} is not OPML (no <opml> with a <body>); nothing imported")
    urls: dict[str, None] = {}
    for outline in body.iter("outline"):
        url = next((v.strip() for k, v in outline.attrib.items() if str(k).lower() == "xmlurl"), None)
        if url is None:
            continue  # a folder of feeds: its outlines are read in turn
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            line = f" on line {outline.sourceline}" if outline.sourceline else ""
            raise OpmlError(f"{name}: the feed {url[:200]!r}{line} is not an http(s) URL; nothing imported")
        urls[url] = None
    if not urls:
        raise OpmlError(f"{name} lists no feeds (outlines with an xmlUrl); nothing imported")
    if len(urls) > MAX_FEEDS:
        raise OpmlError(f"{name} lists {len(urls)} feeds, over {MAX_FEEDS}; nothing imported")
    return list(urls)


def write_opml(urls: list[str], now: datetime, title: str = "Dossier feeds") -> bytes:
    """An OPML 2.0 file listing these feeds (their URL as their name: Dossier keeps no feed titles)."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    etree.SubElement(head, "dateCreated").text = format_datetime(now)
    body = etree.SubElement(root, "body")
    for url in urls:
        etree.SubElement(body, "outline", type="rss", text=url, title=url, xmlUrl=url)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
