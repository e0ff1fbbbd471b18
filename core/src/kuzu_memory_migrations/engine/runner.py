"""Running a plan: each migration checked, applied through the hooks, journaled, recorded.

One loop serves three modes: PLAN only decides what would run; DRY_RUN also runs each
migration against an in-memory overlay to show its diffs; APPLY changes the project.
"""

from __future__ import annotations

import os
import re
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..contract.context import ProgressFactory, RunContext, Trigger, silent_progress
from ..contract.migration import Migration
from ..contract.reports import MigrationOutcome, PlannedFileChange, RunReport, Status
from ..contract.results import MigrationDeferred, MigrationResult, MigrationType
from . import fastpath
from .catalog import CatalogEntry
from .files import FileOps
from .fingerprint import code_fingerprint, source_file
from .journal import Journal
from .locking import project_lock
from .planner import order_migrations
from .plugins import CORE_PLUGIN
from .project import HOST_DISTRIBUTION, Project
from .recovery import recover_interrupted, remove_if_empty, retire, settle, unfinished
from .state import MigrationState, history_entry, now_iso

DEFER_RETRY_SECONDS = 60.0
"""After a deferral, the start-up path waits this long before opening the database again."""

_SAFE = re.compile(r"[^A-Za-z0-9._-]")

MET = {Status.APPLIED, Status.NOT_APPLICABLE, Status.VETOED, Status.OUT_OF_RANGE}
"""A dependency in one of these states lets its dependents run."""


class Mode(StrEnum):
    PLAN = "plan"
    DRY_RUN = "dry_run"
    APPLY = "apply"


@dataclass(frozen=True)
class RunOptions:
    mode: Mode = Mode.APPLY
    trigger: Trigger = Trigger.RUN
    types: frozenset[MigrationType] = frozenset()
    lock_wait: float = 30.0
    progress: ProgressFactory = silent_progress


class HookError(Exception):
    """A plugin's hook implementation misbehaved; names the plugin's distribution."""


def run(project: Project, options: RunOptions, state: MigrationState | None = None) -> RunReport:
    """Plan, dry-run or apply; only APPLY takes the project lock (LockHeld if it cannot).

    A plan or dry run may be given the state its caller already loaded (it is only read);
    APPLY always loads it afresh, under the lock.
    """
    if options.mode is not Mode.APPLY:
        return _Run(project, options, state or project.store.load()).execute()
    with project_lock(project.layout, wait=options.lock_wait):
        return _Run(project, options, project.store.load()).execute()


def first_opinion(
    project: Project, migration: Migration, context: RunContext
) -> tuple[bool | None, str]:
    """The first non-None `check_migration` answer and the plugin that gave it.

    Called implementation by implementation, in pluggy's order, so that a veto and an
    exception can be attributed to the plugin responsible.
    """
    arguments: dict[str, Any] = {"migration": migration, "context": context}
    for impl in reversed(project.plugins.manager.hook.check_migration.get_hookimpls()):
        if impl.wrapper or impl.hookwrapper:
            continue
        origin = project.plugins.record_of(impl.plugin_name).origin
        try:
            answer = impl.function(*(arguments[name] for name in impl.argnames))
        except MigrationDeferred:
            raise  # e.g. the database is held open: not the plugin's fault
        except Exception as error:
            where = "check_applicable()" if impl.plugin_name == CORE_PLUGIN else "check_migration"
            raise HookError(f"{where} of {origin} raised {_describe(error)}") from error
        if answer is not None and not isinstance(answer, bool):
            raise HookError(
                f"check_migration of {origin} returned {answer!r}; expected a bool or None"
            )
        if answer is not None:
            return answer, impl.plugin_name
    return None, ""


def _describe(error: BaseException) -> str:
    """The error and the line that raised it: enough to find it without a traceback."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return f"{type(error).__name__}: {error}{where}"


@dataclass
class _Run:
    project: Project
    options: RunOptions
    state: MigrationState
    report: RunReport = field(init=False)
    standing: dict[str, Status] = field(default_factory=dict)
    run_id: str = field(default_factory=lambda: f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}")
    blocked: dict[str, str] = field(default_factory=dict)
    """Migration name -> why the dependency graph keeps it from running."""
    _overlay: dict[Path, bytes | Path | None] = field(default_factory=dict)
    """A dry run's pending file changes, shared by its migrations (see FileOps)."""
    environment: fastpath.Snapshot = field(default_factory=fastpath.Snapshot)
    """Taken before any pack is loaded: a pack installed during the run is seen next time."""

    def __post_init__(self) -> None:
        self.report = RunReport(
            project_root=self.project.root,
            trigger=self.options.trigger.value,
            dry_run=self.options.mode is not Mode.APPLY,
        )

    @property
    def applying(self) -> bool:
        return self.options.mode is Mode.APPLY

    def execute(self) -> RunReport:
        layout = self.project.layout
        if self.applying:
            outcomes, problems = recover_interrupted(layout, self.project.store, self.state)
            self.report.outcomes += outcomes
            self.report.problems += problems
        else:
            self.report.problems += [
                f"{name} was interrupted (a crash or kill); the next run undoes its partial "
                "changes before anything else"
                for name in unfinished(layout)
            ]
        self.report.problems += self.project.problems
        context = self.project.context(
            self.state,
            trigger=self.options.trigger,
            dry_run=not self.applying,
            progress=self.options.progress,
        )
        applied = self.state.applied_names()
        done = {n for n in self.project.catalog.entries if self.project.is_applied(n, applied)}
        pending = {n: e for n, e in self.project.catalog.entries.items() if n not in done}
        ordering = order_migrations(pending, satisfied=applied | done)
        self.blocked = ordering.blocked
        ordered = ordering.order + [
            pending[n] for n in sorted(ordering.blocked) if pending[n] not in ordering.order
        ]
        if ordered and self.options.mode is not Mode.PLAN:
            self._call_hook("run_started", context=context, pending=self._instances(ordered))
        for entry in ordered:
            outcome, migration = self._step(entry, context)
            self.standing[entry.name] = outcome.status
            self.report.outcomes.append(outcome)
            if migration is not None and self.options.mode is not Mode.PLAN:
                self._call_hook(
                    "migration_finished", migration=migration, outcome=outcome, context=context
                )
        if self.applying:
            self._finish(ordered)
        if ordered and self.options.mode is not Mode.PLAN:
            self._call_hook("run_finished", context=context, report=self.report)
        return self.report

    def _instances(self, entries: list[CatalogEntry]) -> list[Migration]:
        """Migration objects for `run_started`; one whose constructor raises fails at its step."""
        instances = []
        for entry in entries:
            with suppress(Exception):
                instances.append(entry.cls(project_root=self.project.root))
        return instances

    # -- one migration ---------------------------------------------------------------

    def _outcome(
        self, entry: CatalogEntry, status: Status, reason: str = "", **extra: Any
    ) -> MigrationOutcome:
        return MigrationOutcome(
            name=entry.name,
            distribution=entry.distribution,
            migration_type=entry.spec.migration_type.value,
            status=status,
            reason=reason,
            **extra,
        )

    def _unmet_dependency(self, entry: CatalogEntry) -> tuple[Status, str] | None:
        """Why a dependency keeps this migration from running now: deferred with it, or blocked."""
        met = set(MET)
        if not self.applying:
            met.add(Status.PENDING)  # in a plan, what would be applied counts as applied
        for dep in entry.spec.depends_on:
            status = self.standing.get(dep)
            if status is Status.DEFERRED:
                return Status.DEFERRED, f"waits for {dep}, which was deferred"
            if status is not None and status not in met:
                return (
                    Status.BLOCKED,
                    f"depends on {dep}, which is {status.value.replace('_', ' ')}",
                )
        return None

    def _failed_before(self, entry: CatalogEntry) -> str | None:
        """At start-up, a migration that failed with this same code is not retried."""
        failure = self.state.framework.failures.get(entry.name)
        if failure is None or self.options.trigger is not Trigger.STARTUP:
            return None
        same_code = (failure.distribution_version, failure.fingerprint) == (
            entry.plugin.version,
            code_fingerprint(entry.cls),
        )
        if same_code and (not failure.interrupted or failure.count >= 2):
            return (
                f"failed earlier ({failure.count}x): {failure.message}; "
                "`kuzu-memory-migrations run` retries it"
            )
        return None

    def _decided_later(self, entry: CatalogEntry) -> str | None:
        """In a plan, a migration after a pending one cannot be checked yet: the project
        it will see does not exist until its dependency has run (a dry run simulates it)."""
        if self.options.mode is not Mode.PLAN:
            return None
        waiting = [d for d in entry.spec.depends_on if self.standing.get(d) is Status.PENDING]
        if not waiting:
            return None
        return f"after {', '.join(waiting)}; whether it has work is checked then"

    def _step(
        self, entry: CatalogEntry, context: RunContext
    ) -> tuple[MigrationOutcome, Migration | None]:
        if entry.name in self.blocked:
            return self._outcome(entry, Status.BLOCKED, self.blocked[entry.name]), None
        if self.options.types and entry.spec.migration_type not in self.options.types:
            return self._outcome(entry, Status.FILTERED, "not selected by --type"), None
        if unmet := self._unmet_dependency(entry):
            return self._outcome(entry, *unmet), None
        if reason := self._failed_before(entry):
            return self._outcome(entry, Status.FAILED, reason), None
        if reason := self._decided_later(entry):
            return self._outcome(entry, Status.PENDING, reason), None
        try:
            migration = entry.cls(project_root=self.project.root)
            files = FileOps(
                self.project.root,
                entry.name,
                migration.declared_paths(),
                dry_run=not self.applying,
                _overlay=self._overlay,
            )
            migration.bind(context, files)
            answer, decider = first_opinion(self.project, migration, context)
            context.close()  # the check only read: the migration starts a session of its own
        except MigrationDeferred as deferred:
            context.close()
            return self._outcome(entry, Status.DEFERRED, str(deferred)), None
        except Exception as error:
            context.close()
            message = str(error) if isinstance(error, HookError) else _describe(error)
            return self._record_failure(entry, message), None
        outcome = self._judge(entry, migration, context, answer, decider)
        if outcome is not None:
            context.close()
        elif self.options.mode is Mode.PLAN:
            failure = self.state.framework.failures.get(entry.name)
            note = f"failed earlier ({failure.count}x): {failure.message}" if failure else ""
            outcome = self._outcome(
                entry, Status.PENDING, note, description=migration.description()
            )
        elif self.options.mode is Mode.DRY_RUN:
            outcome = self._dry_run(entry, migration, context, files)
        else:
            outcome = self._apply(entry, migration, context, files)
        return outcome, migration

    def _judge(
        self,
        entry: CatalogEntry,
        migration: Migration,
        context: RunContext,
        answer: bool | None,
        decider: str,
    ) -> MigrationOutcome | None:
        """The outcome of a negative check (with its reason), or None to go ahead."""
        if answer is not False:
            return None
        if decider != CORE_PLUGIN:
            origin = self.project.plugins.record_of(decider).origin
            return self._outcome(entry, Status.VETOED, f"vetoed by plugin {decider!r} ({origin})")
        if reason := context.out_of_range(migration):
            return self._outcome(entry, Status.OUT_OF_RANGE, reason)
        return self._outcome(
            entry,
            Status.NOT_APPLICABLE,
            "nothing to do in this project",
            description=migration.description(),  # where a migration says why
        )

    def _dry_run(
        self, entry: CatalogEntry, migration: Migration, context: RunContext, files: FileOps
    ) -> MigrationOutcome:
        try:
            result = self._apply_hook(migration, context)
        except MigrationDeferred as deferred:
            return self._outcome(entry, Status.DEFERRED, str(deferred))
        except Exception as error:
            return self._outcome(entry, Status.FAILED, _describe(error))
        finally:
            context.close()
        planned = [
            PlannedFileChange(
                action=c.action,
                path=files.shown(c.path),
                target=files.shown(c.target) if c.target else None,
                diff=c.diff,
            )
            for c in files.planned
        ]
        status = Status.PENDING if result.success else Status.FAILED
        return self._outcome(
            entry,
            status,
            result.message,
            changes=result.changes,
            warnings=result.warnings,
            planned=planned,
            description=migration.description(),
        )

    def _apply_hook(self, migration: Migration, context: RunContext) -> MigrationResult:
        result = self.project.plugins.manager.hook.apply_migration(
            migration=migration, context=context
        )
        if isinstance(result, dict):
            result = MigrationResult.model_validate(result)
        if not isinstance(result, MigrationResult):
            raise TypeError(
                f"{migration.name}: migrate() returned {result!r}, not a MigrationResult"
            )
        return result

    def _apply(
        self, entry: CatalogEntry, migration: Migration, context: RunContext, files: FileOps
    ) -> MigrationOutcome:
        fingerprint = code_fingerprint(entry.cls)
        journal = Journal.begin(
            self.project.layout.journal_dir / f"{self.run_id}-{len(self.report.outcomes):04d}-"
            f"{_SAFE.sub('_', entry.name)}",
            migration=entry.name,
            run_id=self.run_id,
            distribution=entry.distribution,
            distribution_version=entry.plugin.version,
            fingerprint=fingerprint,
            version=entry.spec.from_version,
            migration_type=entry.spec.migration_type.value,
            started=now_iso(),
        )
        files.journal = journal
        started = time.perf_counter()
        with self._undo_unless_committed(migration, context, journal):
            try:
                result = self._apply_hook(migration, context)
                if result.success:
                    context.commit()
            except MigrationDeferred as deferred:
                return self._outcome(entry, Status.DEFERRED, str(deferred))
            except Exception as error:
                return self._record_failure(entry, _describe(error), fingerprint=fingerprint)
            if not result.success:
                return self._record_failure(
                    entry,
                    result.message,
                    fingerprint=fingerprint,
                    changes=result.changes,
                    warnings=result.warnings,
                )
            duration = (time.perf_counter() - started) * 1000
            self.project.store.log(
                self.state,
                {
                    "event": "applied",
                    "name": entry.name,
                    "entry": history_entry(
                        entry.name,
                        entry.spec.from_version,
                        entry.spec.migration_type.value,
                        True,
                        result.message,
                        result.changes,
                    ),
                    "provenance": {
                        "distribution": entry.distribution,
                        "distribution_version": entry.plugin.version,
                        "fingerprint": fingerprint,
                        "source_file": source_file(entry.cls),
                        "how": self.options.trigger.value,
                        "run_id": self.run_id,
                        "applied_at": now_iso(),
                        "duration_ms": round(duration, 3),
                    },
                },
            )
            journal.commit()
        retire(self.project.layout, journal)
        return self._outcome(
            entry,
            Status.APPLIED,
            result.message,
            changes=result.changes,
            warnings=result.warnings,
            duration_ms=round(duration, 3),
        )

    @contextmanager
    def _undo_unless_committed(
        self, migration: Migration, context: RunContext, journal: Journal
    ) -> Iterator[None]:
        """Whatever happens (failure, exception, Ctrl-C), an uncommitted journal is undone."""
        try:
            yield
        finally:
            try:
                context.close()
            except Exception as error:  # the undo below must run whatever the database says
                self.report.problems.append(f"{migration.name}: closing the database: {error}")
            if not settle(journal, self.state):
                with suppress(Exception):
                    migration.rollback()
                try:
                    journal.undo()
                    journal.discard()
                except OSError as error:
                    self.report.problems.append(
                        f"could not undo {migration.name!r}: {error}; its journal "
                        f"{journal.directory} is kept and replayed on the next run"
                    )

    def _record_failure(
        self, entry: CatalogEntry, message: str, *, fingerprint: str | None = None, **extra: Any
    ) -> MigrationOutcome:
        if self.applying:
            self.project.store.log(
                self.state,
                {
                    "event": "failed",
                    "name": entry.name,
                    "fingerprint": fingerprint or code_fingerprint(entry.cls),
                    "distribution_version": entry.plugin.version,
                    "entry": history_entry(
                        entry.name,
                        entry.spec.from_version,
                        entry.spec.migration_type.value,
                        False,
                        message,
                    ),
                },
            )
        return self._outcome(entry, Status.FAILED, message, **extra)

    # -- the end of a run ----------------------------------------------------------------

    def _finish(self, ordered: list[CatalogEntry]) -> None:
        """Advance each distribution whose migrations all settled; save; maybe stamp idle."""
        unsettled_axes = {e.axis for e in ordered if self.standing.get(e.name) not in MET}
        versions = {
            dist: version
            for dist, version in self.project.installed_versions.items()
            if dist not in unsettled_axes
        }
        host = versions.get(HOST_DISTRIBUTION)
        self.project.store.log(
            self.state, {"event": "versions", "migrated_versions": versions, "last_version": host}
        )
        self.project.store.save(self.state)
        remove_if_empty(self.project.layout.journal_dir)
        if self.options.types or not self.project.selection.is_default:
            return
        deferred = any(o.status is Status.DEFERRED for o in self.report.outcomes)
        fastpath.write_stamp(
            self.project.layout,
            self.environment,
            sources=fastpath.plugin_sources(self.project),
            retry_in=DEFER_RETRY_SECONDS if deferred else None,
        )

    def _call_hook(self, name: str, **kwargs: Any) -> None:
        """Lifecycle hooks observe; one that raises is reported, never fatal."""
        try:
            getattr(self.project.plugins.manager.hook, name)(**kwargs)
        except Exception as error:
            self.report.problems.append(f"{name} hook raised {_describe(error)}")
