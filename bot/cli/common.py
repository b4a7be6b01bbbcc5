"""What every `dossier` command shares: settings, logging, and one clear line for each failure."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from bot.i18n import DEFAULT_LANGUAGE, Translator, translator
from bot.settings import Settings
from index.errors import DossierError

F = TypeVar("F", bound=Callable[..., Any])
logger = logging.getLogger("dossier")


# What a running bot says at INFO even at the default WARNING level, so that `docker logs` shows it is
# alive: one line at start (mode, archive size, username) and one per broadcast of a new article.
ACTIVITY_LOGGERS = ("bot.telegram.app", "bot.subscriptions.announcer")


def configure_logging(level: str) -> None:
    """Logging for the whole process, set once here; httpx would log every URL (and token) at INFO."""
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if logging.getLogger().level <= logging.WARNING:
        for name in ACTIVITY_LOGGERS:
            logging.getLogger(name).setLevel(min(logging.INFO, logging.getLogger().level))
    for noisy in (
        "httpx",
        "httpcore",
        "sentence_transformers",
        "transformers",
        "trafilatura",
        "htmldate",
    ):
        logging.getLogger(noisy).setLevel(logging.ERROR)


class FullHelpGroup(click.Group):
    """A group whose help lists each command's whole first sentence, wrapped, where click cuts it."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=1000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def cli_language() -> str:
    """The language the CLI speaks: DOSSIER_LANGUAGE (environment or .env), else the locale's
    ('kk_KZ.UTF-8' is 'kk'), else English (Settings.interface_language)."""
    try:
        return Settings().interface_language()
    except ValidationError:  # a bad setting: the command itself reports it, in English
        return DEFAULT_LANGUAGE


def cli_translator() -> Translator:
    """What the CLI says, in its language (cli_language)."""
    return translator(cli_language())


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
        except DossierError as error:  # the core's words, in the CLI's language
            fail(cli_translator().error(error))
        except KeyboardInterrupt:
            fail(cli_translator().gettext("interrupted"), 130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as error:
            logger.debug("unexpected failure", exc_info=True)
            message = cli_translator().gettext("unexpected error ({reason}); rerun with -v for details")
            fail(message.format(reason=f"{error.__class__.__name__}: {error}"))

    return wrapper  # type: ignore[return-value]


def load_settings() -> Settings:
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as error:  # said in English: the language is a setting, and they are invalid
        problems = "; ".join(
            f"DOSSIER_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in error.errors()
        )
        fail(f"invalid settings: {problems}")
        raise  # unreachable; fail exits
