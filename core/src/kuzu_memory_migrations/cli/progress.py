"""Progress bars for long migrations, only for a person at a terminal."""

from __future__ import annotations

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..contract.access import Progress as ProgressProtocol
from ..engine.access import ProgressFactory, silent_progress
from .console import console


class _Bar:
    def __init__(self, label: str, total: int | None) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self._task = self._progress.add_task(label, total=total, rate="")
        self._progress.start()

    def advance(self, amount: int = 1) -> None:
        self._progress.advance(self._task, amount)
        task = self._progress.tasks[0]
        if task.speed:
            self._progress.update(self._task, rate=f"{task.speed:,.0f} rows/s")

    def close(self) -> None:
        self._progress.stop()


def _bar(label: str, total: int | None) -> ProgressProtocol:
    return _Bar(label, total)


def progress_for(*, quiet: bool) -> ProgressFactory:
    return silent_progress if quiet or not console.is_terminal else _bar
