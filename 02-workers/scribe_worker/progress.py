"""Terminal progress display for the CLI: one bar per pipeline stage (rich)."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from scribe_worker.pipeline import stage_fraction


class StageProgress:
    """A rich progress display fed by the pipeline's ``on_progress(stage, overall)`` callback.

    Each stage gets its own bar, started when the stage starts and completed when the next
    one begins. Does nothing when ``enabled`` is false (output is not a terminal).

    Args:
        enabled: Draw the bars (on stderr).
    """

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._progress = Progress(
            TextColumn("{task.description:<11}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> StageProgress:
        if self.enabled:
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.enabled:
            if exc is None:
                for task in self._tasks.values():
                    self._progress.update(task, completed=100)
            self._progress.stop()

    def update(self, stage: str, overall: float) -> None:
        """Pipeline callback: ``stage`` is running, ``overall`` in [0, 1] is done."""
        if not self.enabled:
            return
        if stage not in self._tasks:
            for task in self._tasks.values():
                self._progress.update(task, completed=100)
            self._tasks[stage] = self._progress.add_task(stage, total=100)
        self._progress.update(self._tasks[stage], completed=100 * stage_fraction(stage, overall))
