"""The one place the Telegram application is wired: settings, services, handlers, jobs, and how it runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import FloodLimit, ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translator, translator
from bot.services import Services
from bot.settings import Settings
from bot.state.replicas import SendPace
from bot.telegram import (
    browsing,
    conversation,
    errors,
    feedback,
    inline,
    jobs,
    language,
    preferences,
    search,
    subscribe,
)
from bot.telegram.context import SERVICES, BotServices, DossierContext
from bot.telegram.courier import Courier
from bot.telegram.deliveries import CourierSettings
from bot.telegram.flood import ChatRateLimiter, SharedPaces
from bot.telegram.leader import follow_lease, release_lease
from bot.telegram.metrics import Metrics

logger = logging.getLogger(__name__)

# Each feature is a module with COMMANDS (its /command menu entries), UPDATES (the update kinds it
# needs Telegram to send) and register(application, settings). A new feature is one more entry;
# conversation stays last because it holds the catch-alls (questions, unknown commands).
FEATURES: tuple[Any, ...] = (
    browsing,
    subscribe,
    preferences,
    language,
    search,
    feedback,
    inline,
    conversation,
)
# Every message is HTML; article links would otherwise each unfold into a preview; a question deleted
# before its answer is sent still gets the answer.
DEFAULTS = Defaults(
    parse_mode=ParseMode.HTML,
    link_preview_options=LinkPreviewOptions(is_disabled=True),
    allow_sending_without_reply=True,
)
CONCURRENT_UPDATES = 64  # updates handled at once; answers themselves run in the thread pool
RETRIES_AFTER_FLOOD = 3  # times a request is retried after Telegram's 429 "retry after N"
# An update is a few kB (a message is at most 4096 characters); 1 MB leaves room for any of them.
WEBHOOK_MAX_BODY = 1024 * 1024
WEBHOOK_BODY_TIMEOUT = 30.0  # seconds to receive a body: a sender that trickles one is cut off

DossierApplication = Application[Any, DossierContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]


def build_application(
    settings: Settings,
    services: Services,
    *,
    request: BaseRequest | None = None,
    send_rate: float = FloodLimit.MESSAGES_PER_SECOND,
) -> DossierApplication:
    """The bot: HTML defaults, handlers, one error handler, start-up and shutdown hooks, jobs.

    `services` come from bot/services.py's open_bot_services; `request` replaces PTB's HTTP client
    (tests); `send_rate` is the overall messages per second the bot allows itself, Telegram's
    documented ~30 by default; 0 removes that cap.
    """
    assert settings.telegram_token is not None
    metrics = Metrics()
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .defaults(DEFAULTS)
        .context_types(ContextTypes(context=DossierContext))
        .concurrent_updates(CONCURRENT_UPDATES)
        .rate_limiter(
            ChatRateLimiter(
                overall_max_rate=send_rate,
                max_retries=RETRIES_AFTER_FLOOD,
                shared=shared_paces(settings, services, send_rate),
                on_send=metrics.sent,
            )
        )
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application: DossierApplication = builder.build()
    bot_services = BotServices.create(settings, services, metrics)
    bot_services.send_rate = send_rate
    bot_services.menus = {code: menu(translator(code)) for code in LANGUAGES}  # a missing catalog stops here
    application.bot_data[SERVICES] = bot_services
    for feature in FEATURES:
        feature.register(application, settings)
    application.add_error_handler(errors.on_error)
    jobs.register(application)
    return application


def menu(tr: Translator) -> list[BotCommand]:
    """Every feature's commands, described in one language."""
    return [
        BotCommand(c.command, tr.gettext(c.description)) for feature in FEATURES for c in feature.COMMANDS
    ]


def shared_paces(settings: Settings, services: Services, send_rate: float) -> SharedPaces | None:
    """With PostgreSQL (several replicas), the send rates are kept in the database they share."""
    if not settings.database_url or services.subscriptions is None:
        return None
    database = services.subscriptions.store.database
    return SharedPaces(
        SendPace(database, send_rate), SendPace(database, settings.paid_broadcast_rate, "paid")
    )


async def _post_init(application: DossierApplication) -> None:
    """Publish the command menu, warm the service so the first question is not the slow one, and
    start delivering notices (those a previous run left pending first)."""
    services: BotServices = application.bot_data[SERVICES]
    # English for everyone, and a menu of their own for people whose app speaks another language
    for code, commands in services.menus.items():
        await application.bot.set_my_commands(
            commands, language_code=None if code == DEFAULT_LANGUAGE else code
        )
    services.courier = Courier(
        application.bot,
        services.subscriptions,
        services.send_rate,
        paid_rate=services.paid_broadcast_rate,
        may_send=lambda: services.leading,
        settings=CourierSettings(services.chats, services.zone, lambda: services.clock()),
    )
    settings = services.core.settings
    if settings.metrics_port is not None:
        services.metrics.watch(services.core.archive, services.subscriptions.store)
        services.metrics.serve(settings.metrics_address, settings.metrics_port)
    await follow_lease(services)  # the leader's courier starts now; the lead job keeps it going
    summary = await services.summary()
    mode = "webhook" if settings.webhook_url else "long polling"
    logger.info(
        "@%s is up (%s): %d articles in the archive", application.bot.username, mode, summary.articles
    )


async def _post_stop(application: DossierApplication) -> None:
    """Updates and jobs have stopped; the sends under way finish while the bot can still send."""
    services: BotServices = application.bot_data[SERVICES]
    if services.courier is not None:
        await services.courier.stop()
    await services.ingestion.stop()
    services.metrics.stop()
    await release_lease(services)  # the next replica leads now rather than once the lease lapses


async def _post_shutdown(application: DossierApplication) -> None:
    services: BotServices = application.bot_data[SERVICES]
    if services.heartbeat is not None:
        with contextlib.suppress(OSError):
            services.heartbeat.unlink(missing_ok=True)
    await asyncio.to_thread(services.core.close)


def cap_webhook_requests() -> None:
    """Refuse webhook bodies over WEBHOOK_MAX_BODY after their headers, before reading them.

    PTB serves webhooks with tornado's HTTPServer at tornado's defaults, which read bodies of up to
    100 MB into memory before the secret header is even looked at: twelve 95 MB POSTs took the bot
    from 282 MiB to 2.5 GiB. Tornado's Configurable.configure sets defaults for every HTTPServer made
    afterwards (the one PTB makes, in this process the only one).
    """
    from tornado.httpserver import HTTPServer

    HTTPServer.configure(None, max_body_size=WEBHOOK_MAX_BODY, body_timeout=WEBHOOK_BODY_TIMEOUT)


def allowed_updates() -> list[str]:
    """The update kinds the features need, in a stable order (Telegram drops the others)."""
    return sorted({kind for feature in FEATURES for kind in feature.UPDATES})


def run(application: DossierApplication, settings: Settings) -> None:
    """Long polling, or a webhook server when DOSSIER_WEBHOOK_URL is set; returns on SIGINT/SIGTERM.

    Raises InvalidToken or NetworkError when Telegram cannot be reached with this token.
    """
    # Connect once before PTB's start-up retry loop, which would log a rejected token or an unreachable
    # server as a traceback; run_polling/run_webhook then reuse this loop and the initialized bot.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(application.bot.initialize())
    if not settings.webhook_url:
        application.run_polling(allowed_updates=allowed_updates())
        return
    cap_webhook_requests()
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    if secret is None:
        logger.warning(
            "webhook mode without DOSSIER_WEBHOOK_SECRET: anyone who finds the URL can post updates"
        )
    application.run_webhook(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
        webhook_url=settings.webhook_url,
        secret_token=secret,
        allowed_updates=allowed_updates(),
    )
