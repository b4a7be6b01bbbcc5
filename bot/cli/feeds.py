"""`dossier feeds …`: the news feeds the bot polls for new articles."""

from __future__ import annotations

import click

from bot.cli.common import FullHelpGroup, fail, user_errors
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
    if not url.startswith(("http://", "https://")):
        fail(f"{url} is not an http(s) URL")
    added = open_store(settings).add_feed(url)
    click.echo(f"{'added' if added else 'already polled'}: {url}")


@feeds_group.command("list")
@click.pass_obj
@user_errors
def list_feeds(settings: Settings) -> None:
    """The feeds and how their last poll went."""
    feeds = open_store(settings).feeds()
    for feed in feeds:
        status = feed.last_status or "not polled yet"
        failures = f", {feed.failures} failure(s) in a row" if feed.failures else ""
        click.echo(f"{feed.url}  [{status}{failures}]")
    click.echo(f"{len(feeds)} feed(s)")


@feeds_group.command("remove")
@click.argument("url")
@click.pass_obj
@user_errors
def remove(settings: Settings, url: str) -> None:
    """Stop polling the feed at URL."""
    if not open_store(settings).remove_feed(url):
        fail(f"{url} is not among the feeds; see: dossier feeds list")
    click.echo(f"removed: {url}")
