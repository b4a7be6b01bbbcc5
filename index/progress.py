"""Progress of the core's long steps, for whoever shows it.

The core says what it is doing (exporting the model, embedding 4,000 sentences, writing the index);
the entry point decides whether and how that is shown, as it does for logging: the command line draws
bars on a terminal (bot/cli/progress.py), the bot and the tests show nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

Advance = Callable[[int], None]  # called with how many more units of the task are done


class Reporter(Protocol):
    def task(self, label: str, total: int | None) -> AbstractContextManager[Advance]:
        """Show a step while it runs: a bar when `total` is known, else a spinner."""
        ...


_reporter: Reporter | None = None


def report_to(reporter: Reporter | None) -> None:
    """Where progress goes from now on, for the whole process; None: nowhere."""
    global _reporter
    _reporter = reporter


def _ignore(done: int) -> None:
    pass


@contextmanager
def task(label: str, total: int | None = None) -> Iterator[Advance]:
    """A long step: `with task("Embedding sentences", total=n) as advance: ... advance(16)`."""
    if _reporter is None:
        yield _ignore
        return
    with _reporter.task(label, total) as advance:
        yield advance
