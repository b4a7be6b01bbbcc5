"""Every URL Dossier fetches goes through one door: public addresses only, one deadline, capped bodies.

The servers are real HTTP on 127.0.0.1 (tests/support/hostile_site.py). Loopback is exactly what a
default policy must refuse, so tests that mean to reach the server allow it explicitly, as an
operator would with DOSSIER_FETCH_ALLOWED_NETWORKS.
"""

from __future__ import annotations

import ipaddress
import socket
import time
import tracemalloc
from collections.abc import Iterator

import pytest

from index.errors import UnsupportedDocument
from index.fetch import FetchError, FetchPolicy, FetchRefused, fetch
from index.fetch_policy import non_public
from index.parsing import load_articles
from index.parsing.loader import fetch_url
from tests.support.hostile_site import HostileSite, page

LOOPBACK = FetchPolicy.allowing("127.0.0.1")
MB = 1024 * 1024


def html(media_type: str) -> bool:
    return media_type == "text/html"


@pytest.fixture
def site() -> Iterator[HostileSite]:
    server = HostileSite()
    yield server
    server.stop()


def test_loopback_is_refused_by_default_without_a_single_request(site: HostileSite) -> None:
    site.serve("/page", page("Internal", "Secret internal text for staff only.").encode())
    for url in (f"{site.base}/page", f"http://localhost:{site.port}/page"):
        with pytest.raises(FetchRefused, match="loopback address"):
            fetch(url, FetchPolicy(), html)
    [(_, refused)] = list(load_articles(f"{site.base}/page"))
    assert isinstance(refused, FetchRefused) and "DOSSIER_FETCH_ALLOWED_NETWORKS" in str(refused)
    assert site.requests == []


def test_an_allowed_network_is_fetched(site: HostileSite) -> None:
    site.serve(
        "/page", page("Rail link opens", "The new rail link carries 20 freight trains a day.").encode()
    )
    article = fetch_url(f"{site.base}/page", LOOPBACK)
    assert article.title == "Rail link opens" and "20 freight trains" in article.text
    assert site.headers[0]["User-Agent"].startswith("Dossier/")


@pytest.mark.parametrize(
    "address, kind",
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped IPv6
        ("::ffff:10.1.2.3", "private"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),  # the cloud metadata service
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("93.184.216.34", None),
        ("2606:4700::1111", None),
    ],
)
def test_non_public_addresses_are_named(address: str, kind: str | None) -> None:
    assert non_public(ipaddress.ip_address(address)) == kind


def test_redirects_into_private_or_other_schemes_are_refused_before_connecting(site: HostileSite) -> None:
    site.redirect("/to-metadata", "http://169.254.169.254/latest/meta-data/")
    site.redirect("/to-ipv6-loopback", f"http://[::1]:{site.port}/page")
    site.redirect("/to-file", "file:///etc/passwd")
    site.redirect("/hop", "/to-metadata")  # relative, then inwards
    for path, message in [
        ("/to-metadata", "link-local address"),
        ("/to-ipv6-loopback", "loopback address"),
        ("/to-file", "not an http"),
        ("/hop", "link-local address"),
    ]:
        with pytest.raises(FetchRefused, match=message):
            fetch(f"{site.base}{path}", LOOPBACK, html)
    assert "/page" not in site.requests


def test_redirects_are_followed_to_the_end_and_loops_are_cut(site: HostileSite) -> None:
    site.serve(
        "/page", page("Grain exports rise", "Kazakhstan exported 9.1 million tonnes of grain.").encode()
    )
    site.redirect("/old", "/page", status=301)
    fetched = fetch(f"{site.base}/old", LOOPBACK, html)
    assert fetched.url == f"{site.base}/page" and b"9.1 million" in fetched.body
    site.redirect("/loop", "/loop")
    with pytest.raises(FetchError, match="redirects more than"):
        fetch(f"{site.base}/loop", LOOPBACK, html)
    site.status("/nowhere", 302)
    with pytest.raises(FetchError, match="answered HTTP 302"):
        fetch(f"{site.base}/nowhere", LOOPBACK, html)


def test_a_name_is_resolved_once_and_the_connection_goes_to_the_checked_address(
    site: HostileSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: a second lookup could answer differently; there is none."""
    site.serve("/page", page("Solar plant", "The plant makes 70 MW of power.").encode())
    real = socket.getaddrinfo
    lookups: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host == "news.test":
            lookups.append(host)
            return real("127.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    fetched = fetch(f"http://news.test:{site.port}/page", LOOPBACK, html)
    assert b"70 MW" in fetched.body and lookups == ["news.test"]
    assert site.headers[-1]["Host"] == f"news.test:{site.port}"
    with pytest.raises(FetchRefused, match=r"news.test \(127.0.0.1\) is a loopback address"):
        fetch(f"http://news.test:{site.port}/page", FetchPolicy(), html)


@pytest.mark.parametrize("headers_too", [False, True])
def test_a_trickling_server_is_cut_at_the_deadline(site: HostileSite, headers_too: bool) -> None:
    site.trickle("/slow", every=0.2, headers_too=headers_too)
    policy = FetchPolicy.allowing("127.0.0.1", deadline=1.5)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"did not answer within 1\.5 s") as refused:
        fetch(f"{site.base}/slow", policy, html)
    assert refused.value.transient and time.monotonic() - started < 3


def test_an_endless_body_is_refused_at_the_cap_without_holding_it(site: HostileSite) -> None:
    site.endless("/endless")
    site.endless("/declared", declared=2 * 1024 * MB)
    policy = FetchPolicy.allowing("127.0.0.1", max_bytes=MB)
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="larger than 1 MB"):
            fetch(f"{site.base}/endless", policy, html)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * MB
    started = time.monotonic()
    with pytest.raises(FetchError, match="larger than 1 MB"):  # by its Content-Length, nothing read
        fetch(f"{site.base}/declared", policy, html)
    assert time.monotonic() - started < 1.5


def test_a_gzip_bomb_is_refused_while_it_inflates(site: HostileSite) -> None:
    body = site.gzip_bomb("/bomb", inflated=64 * MB)
    assert len(body) < 100_000
    policy = FetchPolicy.allowing("127.0.0.1", max_bytes=MB)
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="expands to more than 1 MB"):
            fetch(f"{site.base}/bomb", policy, html)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * MB


def test_a_compressed_page_within_the_cap_is_read(site: HostileSite) -> None:
    import gzip

    text = page("Wind farm opens", "The wind farm near Yereymentau has 42 turbines.")
    site.serve("/gz", gzip.compress(text.encode()), "text/html; charset=utf-8", Content_Encoding="gzip")
    assert "42 turbines" in fetch_url(f"{site.base}/gz", LOOPBACK).text


def test_other_content_types_are_refused_before_their_body_is_read(site: HostileSite) -> None:
    site.serve("/report.pdf", b"%PDF-1.4 " + b"x" * MB, "application/pdf")
    with pytest.raises(FetchError, match="is application/pdf, not an HTML page"):
        fetch_url(f"{site.base}/report.pdf", LOOPBACK)


@pytest.mark.parametrize(
    "encoding, content_type, head",
    [
        ("windows-1251", "text/html; charset=windows-1251", ""),
        ("windows-1251", "text/html", '<meta charset="windows-1251">'),
        ("koi8-r", "text/html", '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">'),
    ],
)
def test_pages_in_legacy_cyrillic_encodings_are_read(
    site: HostileSite, encoding: str, content_type: str, head: str
) -> None:
    body = "Министр заявил, что на реке Сырдарья построят 14 станций мониторинга воды."
    site.serve("/ru", page("Станции на Сырдарье", body, head).encode(encoding), content_type)
    article = fetch_url(f"{site.base}/ru", LOOPBACK)
    assert article.title == "Станции на Сырдарье" and "14 станций" in article.text


def test_a_latin1_page_is_read_as_latin1(site: HostileSite) -> None:
    body = "Le ministre a déclaré à Genève que l'accord économique était signé."
    site.serve(
        "/fr", page("Accord signé à Genève", body).encode("iso-8859-1"), "text/html; charset=ISO-8859-1"
    )
    article = fetch_url(f"{site.base}/fr", LOOPBACK)
    assert article.title == "Accord signé à Genève" and "déclaré à Genève" in article.text


def test_a_server_that_closes_early_or_is_down_is_a_passing_failure(site: HostileSite) -> None:
    with pytest.raises(FetchError, match="cannot fetch") as down:
        fetch("http://127.0.0.1:9/nothing-listens-here", LOOPBACK, html)
    assert down.value.transient
    site.status("/gone", 503)
    with pytest.raises(FetchError, match="answered HTTP 503") as unavailable:
        fetch(f"{site.base}/gone", LOOPBACK, html)
    assert unavailable.value.transient


def test_the_allowed_networks_setting_takes_hosts_addresses_and_cidrs() -> None:
    policy = FetchPolicy.allowing(" 10.0.0.0/8, 127.0.0.1 ,Intranet.Example,, fd00::/8")
    assert policy.allowed_hosts == frozenset({"intranet.example"})
    assert policy.refusal("intranet.example", ipaddress.ip_address("192.168.1.5")) is None
    assert policy.refusal("a.example", ipaddress.ip_address("10.9.8.7")) is None
    assert policy.refusal("a.example", ipaddress.ip_address("192.168.1.5")) == "private"
    with pytest.raises(ValueError, match="neither a host name"):
        FetchPolicy.allowing("10.0.0.0/8, not a host!")


def test_errors_are_unsupported_documents_with_one_sentence(site: HostileSite) -> None:
    [(_, error)] = list(load_articles(f"{site.base}/page"))  # default policy: refused
    assert isinstance(error, UnsupportedDocument) and "\n" not in str(error)
