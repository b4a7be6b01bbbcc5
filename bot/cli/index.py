"""`dossier index …` and `dossier search`: building, changing and searching the index."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from bot.cli.common import FullHelpGroup, cli_translator, fail, user_errors
from bot.cli.render import console, document_json, hit_json, render_hits, show
from bot.i18n import N_, Translator
from bot.services import publish_archive, reading_settings, writing_settings
from bot.settings import Settings
from index import progress
from index.models import AddResult, Article

if TYPE_CHECKING:
    from index.archive import Archive

T = TypeVar("T")


# What `index add` and `index build` say of each item, in the CLI's language (a column 10 wide).
STATUSES = {
    "added": N_("added"),
    "updated": N_("updated"),
    "unchanged": N_("unchanged"),
    "failed": N_("failed"),
}


def _read(settings: Settings, items: tuple[str, ...]) -> tuple[list[tuple[str, Article]], list[AddResult]]:
    """The articles the items hold, and a failure for each item that is not one."""
    from index.errors import UnsupportedDocument
    from index.parsing import load_articles

    articles, failures = [], []
    policy = settings.fetch_policy()
    with progress.task(N_("Reading articles")) as advance:
        for item in items:
            for origin, result in load_articles(item, policy):
                if isinstance(result, UnsupportedDocument):
                    failures.append(AddResult(origin, "failed", error=str(result), reason=result))
                else:
                    articles.append((origin, result))
                advance(1)
    return articles, failures


def _tracked(items: list[T], label: str) -> Iterator[T]:
    """The items, counted on the progress display as the archive takes them one by one."""
    with progress.task(label, total=len(items)) as advance:
        for item in items:
            yield item
            advance(1)


def _report(results: list[AddResult], tr: Translator) -> None:
    for r in results:
        status = tr.gettext(STATUSES.get(r.status, r.status))
        if r.status == "failed":
            click.echo(f"{status:<10} {r.item}: {tr.error(r.reason) if r.reason else r.error}", err=True)
        else:
            click.echo(f"{status:<10} {r.doc_id}  {r.title}  ({r.item})")


@click.group("index", cls=FullHelpGroup)
def index_group() -> None:
    """Build and change the article index."""


@index_group.command("build")
@click.argument("folder", default="seeds", type=click.Path(path_type=Path))
@click.pass_obj
@user_errors
def build(settings: Settings, folder: Path) -> None:
    """Build the index from FOLDER (default: seeds/), replacing what was there."""
    from index.archive import Archive

    tr = cli_translator()
    articles, failures = _read(settings, (str(folder),))
    if not articles:
        _report(failures, tr)
        unread = tr.gettext("no articles could be read from {folder}; the index was left as it was")
        fail(unread.format(folder=folder))
    archive = Archive.for_build(writing_settings(settings))
    results = archive.add(_tracked(articles, N_("Splitting into sentences")), replace_all=True)
    _report(results + failures, tr)
    counts = archive.counts()
    built = tr.gettext("built: {documents} documents, {chunks} chunks, {sentences} sentences in {folder}")
    click.echo(built.format(**counts, folder=settings.data_dir))
    _published(settings, archive)
    failed = [r for r in results + failures if r.status == "failed"]
    if failed:
        fail(tr.gettext("{count} item(s) could not be read").format(count=len(failed)))


@index_group.command("add")
@click.argument("items", nargs=-1, required=True)
@click.pass_obj
@user_errors
def add(settings: Settings, items: tuple[str, ...]) -> None:
    """Add article files, folders or http(s) URLs; prints added / updated / unchanged per item."""
    from index.archive import Archive

    tr = cli_translator()
    articles, failures = _read(settings, items)
    results: list[AddResult] = []
    archive = None
    if articles:
        archive = Archive.open_or_create(writing_settings(settings))
        results = archive.add(_tracked(articles, N_("Splitting into sentences")))
        _published(settings, archive)
    _report(results + failures, tr)
    if archive is not None and archive.compaction_due():
        due = tr.gettext("{count} chunks changed since the last compaction; run: dossier index compact")
        click.echo(due.format(count=archive.uncompacted()))
    failed = [r for r in results + failures if r.status == "failed"]
    if failed:
        message = tr.gettext("{count} item(s) could not be added; the index keeps everything else")
        fail(message.format(count=len(failed)))


@index_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array instead of a table.")
@click.pass_obj
@user_errors
def list_documents(settings: Settings, as_json: bool) -> None:
    """List the indexed articles, newest first."""
    from index.archive import Archive

    documents = Archive.open(reading_settings(settings)).documents()
    if as_json:
        click.echo(json.dumps([document_json(d) for d in documents], ensure_ascii=False, indent=2))
        return
    for d in documents:  # the columns are read by scripts: the same in every language
        published = d.published.isoformat() if d.published else "undated   "
        click.echo(f"{d.doc_id}  {published}  {d.language}  {d.title}  [{d.source or d.origin or ''}]")
    click.echo(cli_translator().gettext("{count} article(s)").format(count=len(documents)))


@index_group.command("remove")
@click.argument("doc_id")
@click.pass_obj
@user_errors
def remove(settings: Settings, doc_id: str) -> None:
    """Remove the article DOC_ID (see `dossier index list`)."""
    from index.archive import Archive

    archive = Archive.open(writing_settings(settings), readonly=False)
    document = archive.remove(doc_id)
    _published(settings, archive)
    removed = cli_translator().gettext("removed")
    click.echo(f"{removed:<10} {document.doc_id}  {document.title}")


@index_group.command("compact")
@click.pass_obj
@user_errors
def compact(settings: Settings) -> None:
    """Fold the articles added and removed since the last compaction into the search index files.

    Searches stay fast without it up to ~50,000 changed chunks; a running bot starts it by itself.
    """
    import os

    from index.archive import Archive

    os.nice(10)  # maintenance: a bot answering on the same cores comes first
    tr = cli_translator()
    archive = Archive.open(writing_settings(settings), readonly=False)
    if archive.compact():
        click.echo(
            tr.gettext("compacted: the search files hold {count} chunks").format(
                count=archive.counts()["chunks"]
            )
        )
        _published(settings, archive)
    else:
        click.echo(tr.gettext("nothing to compact"))


@index_group.command("publish")
@click.pass_obj
@user_errors
def publish(settings: Settings) -> None:
    """Publish the archive's changes in DOSSIER_INDEX_PUBLISH_DIR for the replicas that follow it.

    Every command that changes the archive (and a running bot) publishes by itself; this catches up.
    """
    from index.archive import Archive

    tr = cli_translator()
    if settings.index_publish_dir is None:
        fail(tr.gettext("DOSSIER_INDEX_PUBLISH_DIR is not set: there is nowhere to publish to"))
    archive = Archive.open(writing_settings(settings), readonly=False)
    up_to_date = tr.gettext("up to date in {folder}").format(folder=settings.index_publish_dir)
    click.echo(_published(settings, archive) or up_to_date)


def _published(settings: Settings, archive: Archive) -> str:
    written = publish_archive(settings, archive)
    if written:
        published = cli_translator().gettext("published  {what} in {folder}")
        click.echo(published.format(what=written, folder=settings.index_publish_dir), err=True)
    return written


@click.command("search")
@click.argument("query")
@click.option("--k", "k", default=5, show_default=True, type=click.IntRange(1, 100), help="Passages to show.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.pass_obj
@user_errors
def search(settings: Settings, query: str, k: int, as_json: bool) -> None:
    """Show the passages that best match QUERY."""
    from index.archive import Archive

    tr = cli_translator()
    if not query.strip():
        fail(tr.gettext("the query is empty"))
    hits = Archive.open(reading_settings(settings)).search(query, k)
    if as_json:
        click.echo(
            json.dumps(
                {"query": query, "hits": [hit_json(i, h) for i, h in enumerate(hits, 1)]}, ensure_ascii=False
            )
        )
        return
    out = console()
    show(out, render_hits(hits, out.width, tr))
