"""`auto_migrate`: the call a host makes at every start. It never raises and never waits.

When nothing changed since the last complete run it answers from a few stat calls: only
`os`, `sys` and `time` are used on that path (no pack, no pydantic, no kuzu, no pathlib).
"""

from __future__ import annotations

import os
import time

from .engine import fastpath

TYPE_CHECKING = False  # typing itself costs ms on the start-up path
if TYPE_CHECKING:
    from .contract.reports import RunReport


class StartupReport:
    """What `auto_migrate` did. `status` is one of:

    idle (nothing to do), waiting (deferred migrations wait for their database until a
    retry time), done (ran; see `applied`, `failed`, `deferred`), locked (another
    runner is at work: skipped, not waited for), not_a_project, error (see `message`).
    Rolled-back and opt-in migrations are neither applied nor failed: they wait to be
    asked for by name.
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
        outcomes = list(report.final().values()) if report is not None else []
        self.applied = tuple(o.name for o in outcomes if o.status.value == "applied")
        self.failed = tuple(
            o.name for o in outcomes if o.status.value in {"failed", "blocked", "interrupted"}
        )
        self.deferred = tuple(o.name for o in outcomes if o.status.value == "deferred")

    @property
    def ok(self) -> bool:
        stopped = self.report is not None and self.report.stopped is not None
        healthy = self.status in {"idle", "waiting", "done", "locked", "not_a_project"}
        return healthy and not self.failed and not stopped

    def __repr__(self) -> str:
        counts = f"applied={len(self.applied)} failed={len(self.failed)}"
        return f"<StartupReport {self.status} {counts} {self.message!r}>"


def auto_migrate(project_root: str | os.PathLike[str] | None = None) -> StartupReport:
    """Apply whatever is pending for the project, quietly; report instead of raising.

    The one exception that leaves it is a real Ctrl-C (KeyboardInterrupt) that arrived
    while it ran: the migration under way is undone first, and the host should stop.
    """
    try:
        root = os.fspath(project_root) if project_root is not None else os.getcwd()
        if (quiet := fastpath.quiet(root)) is not None:
            if quiet.retry_after is None:
                return StartupReport("idle")
            again = time.strftime("%H:%M:%S", time.localtime(quiet.retry_after))
            return StartupReport(
                "waiting",
                "migrations wait for their database, held open by another process; "
                f"tried again from {again}",
            )
        return _migrate(root)
    except KeyboardInterrupt as interrupt:
        from .engine.isolation import RunInterrupted

        if isinstance(interrupt, RunInterrupted):
            raise KeyboardInterrupt from None
        return StartupReport("error", f"KeyboardInterrupt raised by pack code: {interrupt}")
    except BaseException as error:  # the host's start must never fail because of us
        return StartupReport("error", f"{type(error).__name__}: {error}")


def _migrate(root: str) -> StartupReport:
    from pathlib import Path

    from .contract.context import Trigger
    from .contract.errors import MigrationsError
    from .engine.errors import LockHeld, NotAProject
    from .engine.project import Project
    from .engine.runner import RunOptions, run

    try:
        project = Project.at(Path(root))
        report = run(project, RunOptions(trigger=Trigger.STARTUP, lock_wait=0))
    except NotAProject as error:
        return StartupReport("not_a_project", str(error))
    except LockHeld as held:
        return StartupReport("locked", str(held))
    except MigrationsError as error:
        return StartupReport("error", str(error))
    message = "; ".join([*([report.stopped] if report.stopped else []), *report.problems])
    return StartupReport("done", message, report)
