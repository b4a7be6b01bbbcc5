"""What a monitoring system reads from a running bot: a Prometheus endpoint (DOSSIER_METRICS_PORT).

Counters are this process's own (each replica exposes its own; sum them across replicas). The outbox
depth, the index revision and its article count are read when scraped: the depth from the shared
database, so every replica reports the same figure for it (take max(), not sum(), across replicas),
the revision from the archive this replica answers from (a replica that lags shows an older one).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from bot.state.subscriptions import SubscriptionStore
from index.archive import Archive
from index.errors import DossierError

logger = logging.getLogger(__name__)

# Seconds from a question's arrival to its answer's last message accepted by Telegram: ~20 ms for one
# chat, a few seconds when Telegram's ~30 messages/s bound a crowd (README, bench/bot_bench.py).
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class Metrics:
    """The bot's counters in a registry of its own (one per application, so tests can run several)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)  # memory, CPU, open files
        PlatformCollector(registry=self.registry)
        r = self.registry
        self.questions = Counter(
            "dossier_questions", "Questions answered or refused.", ["surface", "outcome"], registry=r
        )
        self.latency = Histogram(
            "dossier_answer_latency_seconds",
            "From a question's arrival to its answer's last message sent.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.feedback = Counter(
            "dossier_feedback", "👍 (up) and 👎 (down) on answers.", ["rating"], registry=r
        )
        self.reasons = Counter(
            "dossier_feedback_reasons", "What was wrong, as a 👎 told it.", ["reason"], registry=r
        )
        self.sends = Counter(
            "dossier_sends", "sendMessage calls by result: ok, 429, 403 or error.", ["result"], registry=r
        )
        self.feed_polls = Counter(
            "dossier_feed_polls",
            "Feed polls by result: new, unchanged, not_modified, failed.",
            ["result"],
            registry=r,
        )
        self._server: tuple[WSGIServer, threading.Thread] | None = None

    def answered(self, surface: str, refused: bool, seconds: float) -> None:
        self.questions.labels(surface, "refused" if refused else "answered").inc()
        self.latency.observe(seconds)

    def sent(self, result: str) -> None:
        self.sends.labels(result).inc()

    def feed_polled(self, status: str) -> None:
        result = "failed" if status.startswith("failed") else status.replace(" ", "_")
        self.feed_polls.labels(result).inc()

    def watch(self, archive: Archive, store: SubscriptionStore) -> None:
        """Also report the outbox and the index, read at each scrape."""
        self.registry.register(StateCollector(archive, store))

    def serve(self, address: str, port: int) -> None:
        """The /metrics endpoint on a thread of its own (prometheus_client's WSGI server)."""
        try:
            self._server = start_http_server(port, address, registry=self.registry)
        except OSError as error:
            raise DossierError(
                f"cannot serve metrics on {address}:{port} ({error.strerror}); "
                "change DOSSIER_METRICS_PORT or DOSSIER_METRICS_ADDRESS"
            ) from None
        logger.info("metrics on http://%s:%d/metrics", address, port)

    def stop(self) -> None:
        if self._server is not None:
            server, thread = self._server
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
            self._server = None


class StateCollector(Collector):
    """The outbox depth (from the database every replica shares) and the index this replica answers from."""

    def __init__(self, archive: Archive, store: SubscriptionStore):
        self.archive = archive
        self.store = store

    def collect(self) -> Iterator[Metric]:
        try:
            pending = self.store.outbox_counts().get("pending", 0)
        except DossierError as error:  # a scrape must not fail because the database is away
            logger.warning("metrics: cannot read the outbox: %s", error)
        else:
            yield GaugeMetricFamily(
                "dossier_outbox_depth", "Notices and digests waiting to be sent (shared database).", pending
            )
        articles = GaugeMetricFamily("dossier_index_articles", "Articles in the archive.")
        revision = GaugeMetricFamily(
            "dossier_index_revision", "The archive revision answered from (always 1).", labels=["revision"]
        )
        try:
            articles.add_metric([], self.archive.counts()["documents"])
        except DossierError as error:
            logger.warning("metrics: cannot read the archive: %s", error)
            return
        revision.add_metric([self.archive.revision], 1)
        yield articles
        yield revision
