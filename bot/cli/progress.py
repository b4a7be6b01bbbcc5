"""The core's long steps drawn on the terminal (stderr), with rich; nothing when stderr is not one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from bot.i18n import ENGLISH, Translator
from index import progress
from index.progress import Advance


class _Counted(ProgressColumn):
    """A column shown only for steps whose size is known (a spinner says enough for the others)."""

    def __init__(self, column: ProgressColumn):
        super().__init__()
        self._column = column

    def render(self, task: Task) -> RenderableType:
        return self._column.render(task) if task.total is not None else Text("")


class TerminalProgress:
    """One live display for the whole process: nested steps (a build that embeds) share it as rows.

    A step's row disappears when it ends; what it did is then said by the command's own output.
    Its labels (the core's and the CLI's, marked for the catalogs) are shown in the language of `tr`.
    """

    def __init__(self, console: Console, tr: Translator = ENGLISH):
        self._tr = tr
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            _Counted(TaskProgressColumn()),
            _Counted(MofNCompleteColumn()),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._open = 0

    @contextmanager
    def task(self, label: str, total: int | None) -> Iterator[Advance]:
        if self._open == 0:
            self._progress.start()
        self._open += 1
        task_id = self._progress.add_task(self._tr.gettext(label), total=total)
        self._progress.refresh()  # the step is named at once, not at the next tick of the display
        try:
            yield lambda done: self._progress.advance(task_id, done)
        finally:
            self._progress.remove_task(task_id)
            self._open -= 1
            if self._open == 0:
                self._progress.stop()


def show_progress(console: Console, tr: Translator = ENGLISH) -> None:
    """Draw the core's progress on `console` when it is a terminal (never in pipes, logs or CI)."""
    progress.report_to(TerminalProgress(console, tr) if console.is_terminal else None)
