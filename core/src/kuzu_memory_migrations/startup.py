"""`auto_migrate`: the call a host makes at every start. It never raises and never waits.

When nothing changed since the last complete run it answers from a few stat calls: only
`os`, `sys` and `time` are used on that path (no pack, no pydantic, no kuzu, no pathlib).
"""

from __future__ import annotations

import os

from .engine import fastpath

TYPE_CHECKING = False  # typing itself costs ms on the start-up path
if TYPE_CHECKING:
    from .contract.reports import RunReport
    from .engine.layout import ProjectLayout


class StartupReport:
    """What `auto_migrate` did. `status` is one of:

    idle (nothing to do), done (ran; see `applied`, `failed`, `deferred`), locked (another
    runner is at work: skipped, not waited for), not_a_project, error (see `message`).
    """

    __slots__ = ("applied", "deferred", "failed", "message", "report", "status")

    def __init__(
        self,
        status: str,
        message: str = "",
        report: RunReport | None = None,
    ) -> None:
        self.status = status
        self.message = message
        self.report = report
        outcomes = report.outcomes if report is not None else []
        self.applied = tuple(o.name for o in outcomes if o.status.value == "applied")
        self.failed = tuple(
            o.name for o in outcomes if o.status.value in {"failed", "blocked", "interrupted"}
        )
        self.deferred = tuple(o.name for o in outcomes if o.status.value == "deferred")

    @property
    def ok(self) -> bool:
        return self.status in {"idle", "done", "locked", "not_a_project"} and not self.failed

    def __repr__(self) -> str:
        counts = f"applied={len(self.applied)} failed={len(self.failed)}"
        return f"<StartupReport {self.status} {counts} {self.message!r}>"


def auto_migrate(project_root: str | os.PathLike[str] | None = None) -> StartupReport:
    """Apply whatever is pending for the project, quietly; report instead of raising."""
    try:
        root = os.fspath(project_root) if project_root is not None else os.getcwd()
        if fastpath.is_idle(root):
            return StartupReport("idle")
        from pathlib import Path

        from .engine.layout import ProjectLayout

        layout = ProjectLayout(Path(root))
        if not layout.is_project():
            return StartupReport("not_a_project", f"{layout.root} has no .kuzu-memory/")
        return _migrate(layout)
    except Exception as error:  # the host's start must never fail because of us
        return StartupReport("error", f"{type(error).__name__}: {error}")


def _migrate(layout: ProjectLayout) -> StartupReport:
    from .contract.context import Trigger
    from .engine.locking import LockHeld
    from .engine.project import Project
    from .engine.runner import RunOptions, run
    from .engine.state import StateError

    try:
        report = run(Project(layout.root), RunOptions(trigger=Trigger.STARTUP, lock_wait=0))
    except LockHeld as held:
        return StartupReport("locked", str(held))
    except StateError as error:
        return StartupReport("error", str(error))
    message = "; ".join(report.problems)
    return StartupReport("done", message, report)
