"""`dossier start` (the main job), `dossier bot` (the Telegram bot) and `dossier health`."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import click

from bot.cli.common import cli_translator, fail, user_errors
from bot.settings import MESSAGES_PER_SECOND, Settings

TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]+")  # "123456789:AAE…", as @BotFather gives it
SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what setWebhook accepts as secret_token


@click.command("start")
@click.pass_obj
@user_errors
def start(settings: Settings) -> None:
    """The main job: the bot when a token is set, else a local session over the index."""
    if not settings.paths.index.exists():
        click.echo(
            cli_translator().gettext("No index yet: building it from seeds/ (first run only) …"), err=True
        )
        from bot.cli.index import build

        click.get_current_context().invoke(build, folder=Path("seeds"))
    if settings.telegram_token is not None:
        run_bot(settings)
        return
    from bot.cli.ask import run_chat

    run_chat(settings)


@click.command("bot")
@click.option(
    "--send-rate",
    type=click.FloatRange(min=0),
    default=float(MESSAGES_PER_SECOND),
    show_default=True,
    help="Messages per second the bot sends at most, overall (Telegram's limit for ordinary bots); "
    "0 lifts the cap, e.g. against a local Bot API server or for a bot whose limit Telegram raised.",
)
@click.pass_obj
@user_errors
def bot_command(settings: Settings, send_rate: float) -> None:
    """Run the Telegram bot: long polling, or a webhook server when DOSSIER_WEBHOOK_URL is set."""
    run_bot(settings, send_rate)


def run_bot(settings: Settings, send_rate: float = MESSAGES_PER_SECOND) -> None:
    """Check the settings, open the index, and serve Telegram until SIGINT or SIGTERM."""
    token = _checked_token(settings)
    secret = _checked_secret(settings)
    redact_logs([token, *([secret] if secret else [])])
    from telegram.error import InvalidToken, NetworkError, TelegramError

    from bot.services import open_bot_services
    from bot.telegram.app import build_application, run

    application = build_application(settings, open_bot_services(settings), send_rate=send_rate)
    tr = cli_translator()
    try:
        run(application, settings)
    except InvalidToken:
        fail(
            tr.gettext(
                "Telegram rejected DOSSIER_TELEGRAM_TOKEN; copy it again from @BotFather (/mybots, API Token)"
            )
        )
    except NetworkError as error:
        unreachable = tr.gettext("cannot reach the Bot API at {url}: {reason}")
        fail(unreachable.format(url=settings.telegram_base_url, reason=_redacted(str(error), token)))
    except TelegramError as error:
        refused = tr.gettext("Telegram refused to start the bot: {reason}")
        fail(refused.format(reason=_redacted(str(error), token)))


def _checked_token(settings: Settings) -> str:
    tr = cli_translator()
    if settings.telegram_token is None:
        fail(
            tr.gettext(
                "DOSSIER_TELEGRAM_TOKEN is not set; create a bot with @BotFather and put its token in .env"
            )
        )
    assert settings.telegram_token is not None
    token = settings.telegram_token.get_secret_value().strip()
    if not TOKEN_SHAPE.fullmatch(token):
        fail(
            tr.gettext(
                "DOSSIER_TELEGRAM_TOKEN does not look like a bot token (digits, a colon, then letters)"
            )
        )
    return token


def _checked_secret(settings: Settings) -> str | None:
    if settings.webhook_secret is None:
        return None
    secret = settings.webhook_secret.get_secret_value()
    if not SECRET_SHAPE.fullmatch(secret):
        fail(
            cli_translator().gettext(
                "DOSSIER_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
            )
        )
    return secret


class _Redact(logging.Filter):
    """Replaces secrets in a record's message and traceback before any handler writes it."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(s in message for s in self.secrets):
            record.msg, record.args = self._clean(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        return True

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<redacted>")
        return text


def redact_logs(secrets: list[str]) -> None:
    """Install the filter on every root handler (PTB logs its API URL, token included, at DEBUG)."""
    handlers = logging.getLogger().handlers
    for handler in handlers:
        handler.addFilter(_Redact(secrets))


def _redacted(text: str, token: str) -> str:
    return text.replace(token, "<redacted>")


@click.command("health")
@click.option(
    "--bot/--no-bot",
    "bot_mode",
    default=None,
    help="Also require a recent heartbeat from the running bot (default: when a token is set).",
)
@click.pass_obj
@user_errors
def health(settings: Settings, bot_mode: bool | None) -> None:
    """Exit 0 if the index opens and, in bot mode, the bot touched its heartbeat file lately."""
    from bot.heartbeat import HEARTBEAT_STALE, heartbeat_age
    from index.archive import Archive

    tr = cli_translator()  # the exit status is what a healthcheck reads; the words are for people
    archive = Archive.open(settings.index_settings())
    archive.load()
    articles = archive.counts()["documents"]
    archive.close()
    report = tr.gettext("index: {count} articles").format(count=articles)
    if bot_mode is None:
        bot_mode = settings.telegram_token is not None
    if bot_mode:
        age = heartbeat_age(settings.paths.heartbeat)
        if age is None:
            silent = tr.gettext("{report}; bot: no heartbeat in {folder} (is `dossier bot` running?)")
            fail(silent.format(report=report, folder=settings.data_dir))
        elif age > HEARTBEAT_STALE:
            stale = tr.gettext("{report}; bot: last heartbeat {seconds} s ago (stuck or stopped)")
            fail(stale.format(report=report, seconds=f"{age:.0f}"))
        report += tr.gettext("; bot: heartbeat {seconds} s ago").format(seconds=f"{age:.0f}")
    click.echo(tr.gettext("ok: {report}").format(report=report))
