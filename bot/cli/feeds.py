"""`dossier feeds …`: the news feeds the bot polls for new articles."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from bot.cli.common import FullHelpGroup, cli_translator, fail, user_errors
from bot.services import subscription_store as open_store
from bot.settings import Settings


@click.group("feeds", cls=FullHelpGroup)
def feeds_group() -> None:
    """Manage the RSS/Atom feeds the bot polls (every DOSSIER_FEED_INTERVAL seconds)."""


@feeds_group.command("add")
@click.argument("url")
@click.pass_obj
@user_errors
def add(settings: Settings, url: str) -> None:
    """Start polling the feed at URL."""
    tr = cli_translator()
    if not url.startswith(("http://", "https://")):
        fail(tr.gettext("{url} is not an http(s) URL").format(url=url))
    added = open_store(settings).add_feed(url)
    click.echo((tr.gettext("added: {url}") if added else tr.gettext("already polled: {url}")).format(url=url))


@feeds_group.command("list")
@click.pass_obj
@user_errors
def list_feeds(settings: Settings) -> None:
    """The feeds and how their last poll went."""
    tr = cli_translator()
    feeds = open_store(settings).feeds()
    for feed in feeds:  # the status of the last poll is the fetcher's own words, in English
        status = feed.last_status or tr.gettext("not polled yet")
        failures = (
            tr.gettext(", {count} failure(s) in a row").format(count=feed.failures) if feed.failures else ""
        )
        click.echo(f"{feed.url}  [{status}{failures}]")
    click.echo(tr.gettext("{count} feed(s)").format(count=len(feeds)))


@feeds_group.command("remove")
@click.argument("url")
@click.pass_obj
@user_errors
def remove(settings: Settings, url: str) -> None:
    """Stop polling the feed at URL."""
    tr = cli_translator()
    if not open_store(settings).remove_feed(url):
        fail(tr.gettext("{url} is not among the feeds; see: dossier feeds list").format(url=url))
    click.echo(tr.gettext("removed: {url}").format(url=url))


@feeds_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.pass_obj
@user_errors
def export_feeds(settings: Settings, file: Path) -> None:
    """Write the feeds to FILE as OPML ("-": stdout), for a feed reader or another Dossier."""
    from bot.subscriptions.opml import write_opml

    urls = [feed.url for feed in open_store(settings).feeds()]
    data = write_opml(urls, datetime.now(UTC))
    if str(file) == "-":
        sys.stdout.buffer.write(data)
    else:
        file.write_bytes(data)
    click.echo(
        cli_translator().gettext("{count} feed(s) written to {file}").format(file=file, count=len(urls)),
        err=True,
    )


@feeds_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path))
@click.pass_obj
@user_errors
def import_feeds(settings: Settings, file: Path) -> None:
    """Poll every feed an OPML FILE lists ("-": stdin); a malformed file changes nothing."""
    from bot.subscriptions.opml import MAX_BYTES, read_opml

    if str(file) == "-":
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
    else:
        with file.open("rb") as stream:
            data = stream.read(MAX_BYTES + 1)
    urls = read_opml(data, "stdin" if str(file) == "-" else str(file))
    added = open_store(settings).add_feeds(urls)
    imported = cli_translator().gettext("imported {count} feed(s): {added} added, {polled} already polled")
    click.echo(imported.format(count=len(urls), added=added, polled=len(urls) - added))
