"""The running bot's heartbeat: a file it touches, which `dossier health` reads."""

from __future__ import annotations

import time
from pathlib import Path

HEARTBEAT_EVERY = 30  # seconds
HEARTBEAT_STALE = 3 * HEARTBEAT_EVERY  # `dossier health` calls the bot dead after this long


def heartbeat_age(path: Path) -> float | None:
    """Seconds since the bot last touched its heartbeat file, or None if it never has."""
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return None
