"""Dossier's surfaces: answering, the command line and the Telegram bot."""

from __future__ import annotations


def version() -> str:
    """Dossier's version: the one in pyproject.toml, as installed (`dossier --version`, /about)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dossier")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"
