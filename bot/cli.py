"""The `dossier` command line: a thin adapter that parses arguments and renders results."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from bot.settings import Settings
from index.errors import DossierError

F = TypeVar("F", bound=Callable[..., Any])
logger = logging.getLogger("dossier")


def configure_logging(level: str) -> None:
    """Logging for the whole process, set once here; httpx would log every URL (and token) at INFO."""
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in (
        "httpx",
        "httpcore",
        "sentence_transformers",
        "transformers",
        "trafilatura",
        "htmldate",
        "bm25s",
    ):
        logging.getLogger(noisy).setLevel(logging.ERROR)


def fail(message: str, code: int = 1) -> None:
    """One clear line on stderr and a non-zero exit."""
    click.echo(f"dossier: {message}", err=True)
    sys.exit(code)


def user_errors(command: F) -> F:
    """Turn domain errors into one line on stderr; unexpected ones into one line plus a log entry."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except DossierError as error:
            fail(str(error))
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as error:
            logger.debug("unexpected failure", exc_info=True)
            fail(f"unexpected error ({error.__class__.__name__}: {error}); rerun with -v for details")

    return wrapper  # type: ignore[return-value]


def load_settings() -> Settings:
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"DOSSIER_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in error.errors()
        )
        fail(f"invalid settings: {problems}")
        raise  # unreachable; fail exits


@click.group()
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
@click.pass_context
def main(ctx: click.Context, verbose: int) -> None:
    """Dossier: cited answers from a news archive."""
    settings = load_settings()
    level = {0: settings.log_level, 1: "INFO"}.get(verbose, "DEBUG")
    configure_logging(level)
    ctx.obj = settings


@main.command("start")
@click.pass_obj
@user_errors
def start(settings: Settings) -> None:
    """The main job: the bot when a token is set, else a local session over the index."""
    from index.archive import DB_NAME

    if not (settings.data_dir / DB_NAME).exists():
        click.echo("No index yet: building it from seeds/ (first run only) …", err=True)
        from bot.cli_index import build

        click.get_current_context().invoke(build, folder=Path("seeds"))
    if settings.telegram_token is not None:
        from bot.cli_bot import run_bot

        run_bot(settings)
        return
    from bot.cli_ask import run_chat

    run_chat(settings)


def _register() -> None:
    from bot import cli_ask, cli_feeds, cli_index

    main.add_command(cli_index.index_group)
    main.add_command(cli_index.search)
    main.add_command(cli_ask.ask)
    main.add_command(cli_ask.chat)
    main.add_command(cli_ask.evaluate_command)
    from bot import cli_bot

    main.add_command(cli_bot.bot_command)
    main.add_command(cli_bot.health)
    main.add_command(cli_feeds.feeds_group)


_register()
