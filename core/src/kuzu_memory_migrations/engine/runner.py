"""Running a plan: each migration checked, applied through the hooks, journaled, recorded.

One loop serves three modes: PLAN only decides what would run; DRY_RUN also runs each
migration with every write shown, never made; APPLY changes the project, one migration at
a time, through the commit protocol (`protocol`). The data flows one way: the CLI or the
host asks the runner, the runner orders the plan, calls the hooks, the hooks call the
migrations, and the journal and the records take what they did.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Any

from ..contract.context import RunContext, Trigger
from ..contract.errors import MigrationDeferred, MigrationsError
from ..contract.migration import Migration
from ..contract.reports import MigrationOutcome, PlainIO, RunReport, Status
from ..contract.results import MigrationResult, MigrationType
from . import fastpath
from .access import Access, ProgressFactory, silent_progress
from .admission import MET, Admission
from .catalog import CatalogEntry
from .collector import collector_paused
from .database import DatabaseSession
from .errors import DatabaseBusy
from .files import FileOps, Overlay
from .fingerprint import code_fingerprint, source_file
from .guard import PathGuard
from .isolation import RunInterrupted, contained, describe, signals_noted
from .journal import Journal
from .locking import project_lock, running_owner
from .plainio import Watch, paused
from .planner import order_migrations
from .plugins import CORE_PLUGIN
from .project import HOST_DISTRIBUTION, Project
from .protocol import Fate, commit, new_journal, settle
from .records import (
    Applied,
    Failed,
    Provenance,
    Records,
    Superseded,
    VersionsMigrated,
    history_entry,
    new_run_id,
)
from .recovery import recover, unfinished
from .settings import allowed_paths
from .state import read_records, writable_records, write_legacy

DEFER_RETRY_SECONDS = 60.0
"""After a deferral, the start-up path waits this long before opening the database again."""

_SAFE = re.compile(r"[^A-Za-z0-9._-]")


class Mode(StrEnum):
    PLAN = "plan"
    DRY_RUN = "dry_run"
    APPLY = "apply"


@dataclass(frozen=True)
class RunOptions:
    mode: Mode = Mode.APPLY
    trigger: Trigger = Trigger.RUN
    types: frozenset[MigrationType] = frozenset()
    include: frozenset[str] = frozenset()
    """Opt-in and rolled-back migrations to run too (`run --include NAME`)."""
    lock_wait: float = 30.0
    progress: ProgressFactory = silent_progress


def run(project: Project, options: RunOptions, records: Records | None = None) -> RunReport:
    """Plan, dry-run or apply; only APPLY takes the project lock (LockHeld if it cannot).

    A plan or dry run may be given the records its caller already holds (only read).
    """
    layout = project.layout
    if options.mode is Mode.PLAN:  # only checks run: no pack's bulk work under a paused collector
        with collector_paused():
            return _preview(project, options, records)
    if options.mode is Mode.DRY_RUN:
        return _preview(project, options, records)
    with project_lock(layout, wait=options.lock_wait), signals_noted():
        with writable_records(layout) as writable:
            current = _Run(project, options, writable)
            report = current.execute()
        if current.complete:
            fastpath.write_stamp(
                layout,
                current.environment,
                sources=fastpath.plugin_sources(project),
                retry_in=DEFER_RETRY_SECONDS if report.deferred else None,
            )
        return report


def _preview(project: Project, options: RunOptions, records: Records | None) -> RunReport:
    if records is not None:
        return _Run(project, options, records).execute()
    records = read_records(project.layout)
    try:
        return _Run(project, options, records).execute()
    finally:
        records.close()


@dataclass
class _Run:
    project: Project
    options: RunOptions
    records: Records
    report: RunReport = field(init=False)
    admission: Admission = field(init=False)
    run_id: str = field(default_factory=new_run_id)
    overlay: Overlay = field(default_factory=dict)
    """A dry run's pending file changes, shared by its migrations (see FileOps)."""
    environment: fastpath.Snapshot = field(default_factory=fastpath.Snapshot)
    """Taken before any pack is loaded: a pack installed during the run is seen next time."""
    complete: bool = False
    """Whether this run may declare the project idle (see `run`)."""
    changing: bool = False
    """Whether this run has begun to change the project (the idle stamp is gone then)."""

    def __post_init__(self) -> None:
        self.report = RunReport(
            project_root=self.project.root,
            trigger=self.options.trigger.value,
            dry_run=self.options.mode is not Mode.APPLY,
        )
        self.allowed = (*self.project.allow_paths, *allowed_paths(self.project.root))
        self.admission = Admission(
            applying=self.applying,
            planning=self.options.mode is Mode.PLAN,
            at_startup=self.options.trigger is Trigger.STARTUP,
            include=self.options.include,
            types=self.options.types,
        )

    @property
    def standing(self) -> dict[str, Status]:
        return self.admission.standing

    @property
    def applying(self) -> bool:
        return self.options.mode is Mode.APPLY

    def _unfinished(self, names: list[str]) -> list[str]:
        """What a preview says of journals left open: a live run's work, or a crash's."""
        if owner := running_owner(self.layout):
            return [
                f"a run is in progress ({owner}), now applying {', '.join(names)}; what is "
                "shown here may change when it ends"
            ]
        return [
            f"a run stopped during {name} (a crash or kill); the next run settles it "
            "first: undone, or recorded if it had committed"
            for name in names
        ]

    def _changing(self) -> None:
        """Before the run's first change: no start-up may answer "idle" from a stamp that
        predates it. A run with nothing to do keeps the stamp (every environment's line)."""
        if not self.changing:
            fastpath.clear_stamp(self.layout)
            self.changing = True

    @property
    def layout(self) -> Any:
        return self.project.layout

    def execute(self) -> RunReport:
        if self.applying:
            if self.layout.journal_dir.is_dir():
                self._changing()
            try:
                self.report.outcomes += recover(self.layout, self.records)
            except MigrationsError as error:
                self.report.stopped = str(error)
                return self.report
        elif names := unfinished(self.layout):
            self.report.problems += self._unfinished(names)
        self.report.problems += self.project.problems
        context = self.project.context(
            self.records,
            trigger=self.options.trigger,
            dry_run=not self.applying,
            run_id=self.run_id,
        )
        entries = self.project.catalog.entries
        wanted = {*entries, *(d for e in entries.values() for d in e.spec.depends_on)}
        applied = self.records.applied_among(self.project.names_that_count(wanted))
        done = {n for n in entries if self.project.is_applied(n, applied)}
        pending = {n: e for n, e in entries.items() if n not in done}
        admission = self.admission
        admission.failures = self.records.failures(pending)
        admission.rolled_back = self.records.rolled_back(pending)
        ordering = order_migrations(pending, satisfied=applied | done)
        admission.blocked = ordering.blocked
        ordered = ordering.order + [
            pending[n] for n in sorted(ordering.blocked) if pending[n] not in ordering.order
        ]
        observing = self.options.mode is not Mode.PLAN
        try:
            if ordered and observing:
                self._lifecycle("run_started", context=context, pending=self._instances(ordered))
            for entry in ordered:
                try:
                    outcome, migration = self._step(entry, context)
                except RunInterrupted as interrupt:
                    interrupt.applied[:0] = [
                        o.name for o in self.report.outcomes if o.status is Status.APPLIED
                    ]
                    raise
                self.standing[entry.name] = outcome.status
                self.report.outcomes.append(outcome)
                if migration is not None and observing:
                    self._lifecycle(
                        "migration_finished", migration=migration, outcome=outcome, context=context
                    )
                if self.report.stopped:
                    break
        finally:
            if self.applying:
                self._finish(ordered)
        if ordered and observing:
            self._lifecycle("run_finished", context=context, report=self.report)
        return self.report

    def _instances(self, entries: list[CatalogEntry]) -> list[Migration]:
        """Migration objects for `run_started`; one whose constructor raises fails at its step."""
        instances = []
        for entry in entries:
            try:
                instances.append(contained(entry.name, partial(entry.cls, self.project.root)))
            except Exception:
                continue
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

    def _step(
        self, entry: CatalogEntry, context: RunContext
    ) -> tuple[MigrationOutcome, Migration | None]:
        if refusal := self.admission.refusal(entry):
            return self._outcome(entry, *refusal), None
        try:
            migration = contained(entry.name, lambda: entry.cls(project_root=self.project.root))
            declared = contained(entry.name, migration.declared_paths)
        except Exception as error:
            return self._record_failure(entry, f"{entry.name}: {describe(error)}"), None
        guard = PathGuard.build(entry.name, self.project.root, declared, self.allowed)
        journal = self._journal(entry, guard) if self.applying else None
        files = FileOps(guard, journal, dry_run=not self.applying, overlay=self.overlay)
        access = Access(
            context,
            files,
            before_write=self._database_noted(journal),
            progress_factory=self.options.progress,
        )
        watch = Watch(entry.name, guard, journal)
        migration.bind(access)
        with self._settled(entry, migration, access, journal) as settled:
            outcome = self._check(entry, migration, context, access, watch)
            if outcome is None and self.options.mode is Mode.PLAN:
                failure = self.admission.failures.get(entry.name)
                note = f"failed earlier ({failure.count}x): {failure.message}" if failure else ""
                outcome = self._outcome(
                    entry, Status.PENDING, note, description=self._description(migration)
                )
            elif outcome is None and self.options.mode is Mode.DRY_RUN:
                outcome = self._dry_run(entry, migration, context, access, watch)
            elif outcome is None:
                assert journal is not None
                outcome = self._apply(entry, migration, context, access, watch, journal)
            elif outcome.status is Status.NOT_APPLICABLE and self.applying:
                self._supersede(entry)
            settled.append(outcome)
        return settled[-1], migration

    def _supersede(self, entry: CatalogEntry) -> None:
        """The built-in migrations a migration stands for are done when it finds nothing
        to do, too: otherwise the host would run its own version later (see records)."""
        aliases = entry.spec.legacy_names
        if not aliases or self.records.applied_among(aliases) == set(aliases):
            return
        self._changing()
        found = history_entry(
            entry.name,
            entry.spec.from_version,
            entry.spec.migration_type.value,
            True,
            "nothing to do in this project",
        )
        self.records.record(Superseded(found, self._provenance(entry), aliases))

    def _nothing_to_do(self, entry: CatalogEntry) -> str:
        """Why a check said no. A preview applies nothing, so a database migration's check
        sees the database before the schema and structure changes pending ahead of it (a
        column they add, a file they move): its answer may change once they run."""
        kinds = {MigrationType.SCHEMA, MigrationType.STRUCTURE}
        entries = self.project.catalog.entries
        ahead = [
            name
            for name, status in self.standing.items()
            if status is Status.PENDING and entries[name].spec.migration_type in kinds
        ]
        reads_the_database = entry.spec.migration_type in {MigrationType.DATA, *kinds}
        if self.applying or not ahead or not reads_the_database:
            return "nothing to do in this project"
        named = ", ".join(ahead[:3]) + (f" and {len(ahead) - 3} more" if len(ahead) > 3 else "")
        return (
            f"nothing to do in the database as it stands; {named}, pending before it, may "
            "change that (a preview applies none)"
        )

    def _provenance(self, entry: CatalogEntry, **details: Any) -> Provenance:
        """Which pack, version and code did it, in which run (`details`: how it went)."""
        return Provenance(
            distribution=entry.distribution,
            distribution_version=entry.plugin.version,
            fingerprint=code_fingerprint(entry.cls),
            source_file=source_file(entry.cls),
            how=self.options.trigger.value,
            run_id=self.run_id,
            **details,
        )

    def _journal(self, entry: CatalogEntry, guard: PathGuard) -> Journal:
        return new_journal(
            self.layout,
            f"{self.run_id}-{len(self.report.outcomes):04d}-{_SAFE.sub('_', entry.name)}",
            migration=entry.name,
            run_id=self.run_id,
            distribution=entry.distribution,
            distribution_version=entry.plugin.version,
            fingerprint=code_fingerprint(entry.cls),
            version=entry.spec.from_version,
            migration_type=entry.spec.migration_type.value,
            started=time.strftime("%Y-%m-%dT%H:%M:%S"),
            declared=[str(p) for p in guard.declared],
            allowed=[str(p) for p in guard.allowed],
        )

    @staticmethod
    def _database_noted(journal: Journal | None) -> Any:
        def noted(session: DatabaseSession) -> None:
            if journal is None:
                return
            with paused():  # called from pack code: the journal's own writes are not its
                journal.record_database(session.path, session.mode)
                if session.mode == "snapshot":
                    for suffix in ("", ".wal"):
                        journal.snapshot(session.path.with_name(session.path.name + suffix))

        return noted

    @contextmanager
    def _settled(
        self, entry: CatalogEntry, migration: Migration, access: Access, journal: Journal | None
    ) -> Iterator[list[MigrationOutcome]]:
        """Whatever happens in the block (a failure, an exception, Ctrl-C), the migration's
        sessions are closed and its journal settled; the outcome says what became of it.
        A failed application first gets its own `rollback()`, for what lies beyond the
        journal (after Ctrl-C only the journal undoes: nothing more of the pack runs)."""
        outcomes: list[MigrationOutcome] = []
        try:
            yield outcomes
        except MigrationsError as error:  # our own bookkeeping failed (a full disk, say)
            self._close(entry, access)
            fate = self._settle(entry, journal, None) if journal is not None else None
            status = Status.APPLIED if fate is Fate.APPLIED else Status.FAILED
            self.report.stopped = self.report.stopped or f"{entry.name}: {error}"
            outcomes.append(self._outcome(entry, status, str(error)))
            return
        except BaseException as error:  # Ctrl-C, or a bug of ours: undone, and it goes up
            self._close(entry, access)
            fate = self._settle(entry, journal, None) if journal is not None else None
            if isinstance(error, RunInterrupted):
                if fate is Fate.APPLIED:  # it had committed: recorded, not undone
                    error.applied.append(entry.name)
                else:
                    error.undone = entry.name
            raise
        self._close(entry, access)
        outcome = outcomes[-1]
        if journal is None or outcome.status is Status.APPLIED:
            return
        failed = outcome.status is Status.FAILED
        if failed and access.phase == "write":
            self._own_rollback(entry, migration, access)
        fate = self._settle(entry, journal, self._failure_event(entry, outcome) if failed else None)
        if fate is Fate.APPLIED:
            outcomes.append(outcome.model_copy(update={"status": Status.APPLIED}))

    def _own_rollback(self, entry: CatalogEntry, migration: Migration, access: Access) -> None:
        """The migration's `rollback()`, as kuzu-memory's old system called it on failure.
        Its file changes are not journaled (the journal's undo would take them back too),
        its database only read (the journal undoes the database). Returning False or
        raising is reported; the journal undoes the rest anyway."""
        beyond = Access(access.context, FileOps(access.files.guard))
        migration.bind(beyond)
        try:
            if contained(f"{entry.name}: rollback()", migration.rollback) is False:
                self.report.problems.append(f"{entry.name}: its rollback() returned False")
        except RunInterrupted:
            raise
        except Exception as error:
            self.report.problems.append(f"{entry.name}: rollback() raised {describe(error)}")
        finally:
            self._close(entry, beyond)

    def _close(self, entry: CatalogEntry, access: Access) -> None:
        try:
            access.close()
        except Exception as error:  # the undo must run whatever the database says
            self.report.problems.append(f"{entry.name}: closing the database: {error}")

    def _settle(self, entry: CatalogEntry, journal: Journal, failed: Failed | None) -> Fate | None:
        try:
            return settle(self.layout, self.records, journal, undone=failed)
        except MigrationsError as error:
            self.report.stopped = str(error)
            return None

    def _failure_event(self, entry: CatalogEntry, outcome: MigrationOutcome) -> Failed:
        return Failed(
            history_entry(
                entry.name,
                entry.spec.from_version,
                entry.spec.migration_type.value,
                False,
                outcome.reason,
            ),
            code_fingerprint(entry.cls),
            entry.plugin.version,
        )

    def _description(self, migration: Migration) -> str:
        try:
            return str(contained(migration.name, migration.description))
        except Exception as error:
            return f"(description() raised {describe(error)})"

    def _check(
        self,
        entry: CatalogEntry,
        migration: Migration,
        context: RunContext,
        access: Access,
        watch: Watch,
    ) -> MigrationOutcome | None:
        """The outcome of a negative check (with its reason), or None to go ahead."""
        try:
            with watch.active():
                answer, decider = self.project.plugins.call(
                    "check_migration", migration=migration, context=context
                )
            if access.busy:
                raise DatabaseBusy(f"{entry.name}: its database is held open by another process")
        except MigrationDeferred as deferred:
            return self._outcome(entry, Status.DEFERRED, str(deferred))
        except Exception as error:
            refused = self._refused(watch, access)
            if refused and not access.files.guard.refusals:  # a plan: it would run to tell
                first = refused[0]
                return self._outcome(
                    entry,
                    Status.PENDING,
                    f"not previewable: its check tried {first.operation} {first.path} at "
                    f"{first.where}; whether it has work is known when it runs",
                    not_previewable=refused,
                    description=self._description(migration),
                )
            culprit = self._culprit(error)
            where = f"check_migration of {culprit}" if culprit else "check_applicable()"
            return self._failed(entry, f"{where} raised {describe(error)}", watch)
        if answer is not None and not isinstance(answer, bool):
            origin = self.project.plugins.record_of(decider or "").origin
            return self._failed(
                entry,
                f"check_migration of {origin} returned {answer!r}; expected a bool or None",
                watch,
            )
        if answer is not False:
            return None
        if decider not in {None, CORE_PLUGIN}:
            origin = self.project.plugins.record_of(decider).origin
            return self._outcome(entry, Status.VETOED, f"vetoed by plugin {decider!r} ({origin})")
        if reason := context.out_of_range(migration):
            return self._outcome(entry, Status.OUT_OF_RANGE, reason)
        return self._outcome(
            entry,
            Status.NOT_APPLICABLE,
            self._nothing_to_do(entry),
            description=self._description(migration),
            not_previewable=list(watch.refused),
        )

    def _result(
        self, migration: Migration, context: RunContext, access: Access, watch: Watch
    ) -> MigrationResult:
        """`migrate()` through the `apply_migration` hooks. A database another process held
        defers it, whatever its code made of the refusal (DatabaseBusy)."""
        with watch.active():
            result, _ = self.project.plugins.call(
                "apply_migration", migration=migration, context=context
            )
        if access.busy:
            raise DatabaseBusy(f"{migration.name}: its database is held open by another process")
        if isinstance(result, dict):
            result = MigrationResult.model_validate(result)
        if not isinstance(result, MigrationResult):
            raise TypeError(
                f"{migration.name}: migrate() returned {result!r}, not a MigrationResult"
            )
        return result

    def _dry_run(
        self,
        entry: CatalogEntry,
        migration: Migration,
        context: RunContext,
        access: Access,
        watch: Watch,
    ) -> MigrationOutcome:
        access.enter("preview")
        try:
            result = self._result(migration, context, access, watch)
        except MigrationDeferred as deferred:
            return self._outcome(entry, Status.DEFERRED, str(deferred))
        except Exception as error:
            refused = self._refused(watch, access)
            if access.files.guard.refusals:  # a real run would fail on it too
                return self._outcome(entry, Status.FAILED, access.files.guard.refusals[0])
            if not refused:
                return self._outcome(entry, Status.FAILED, describe(error))
            first = refused[0]
            return self._outcome(  # it would run; what it would do cannot be shown
                entry,
                Status.PENDING,
                f"not previewable: {first.operation} {first.path} at {first.where} was "
                "refused (nothing may be written in a dry run)",
                planned=list(access.files.planned),
                not_previewable=refused,
                description=self._description(migration),
            )
        refused = self._refused(watch, access)
        if access.files.guard.refusals:
            return self._outcome(entry, Status.FAILED, access.files.guard.refusals[0])
        reason, status = result.message, Status.PENDING if result.success else Status.FAILED
        if refused:  # whatever it made of the refusal, it would run, unseen
            reason = (
                f"not previewable: {len(refused)} change(s) made outside the helpers were "
                f"refused, what they would do is not shown ({result.message})"
            )
            status = Status.PENDING
        return self._outcome(
            entry,
            status,
            reason,
            changes=result.changes,
            warnings=result.warnings,
            planned=list(access.files.planned),
            not_previewable=refused,
            description=self._description(migration),
        )

    @staticmethod
    def _refused(watch: Watch, access: Access) -> list[PlainIO]:
        return [*watch.refused, *access.refused]

    def _apply(
        self,
        entry: CatalogEntry,
        migration: Migration,
        context: RunContext,
        access: Access,
        watch: Watch,
        journal: Journal,
    ) -> MigrationOutcome:
        started = time.perf_counter()
        self._changing()
        access.enter("write")
        try:
            result = self._result(migration, context, access, watch)
        except MigrationDeferred as deferred:
            return self._outcome(entry, Status.DEFERRED, str(deferred))
        except Exception as error:
            culprit = self._culprit(error)
            where = f"apply_migration of {culprit}: " if culprit else ""
            return self._failed(entry, f"{where}{describe(error)}", watch)
        if not result.success:
            return self._failed(
                entry, result.message, watch, changes=result.changes, warnings=result.warnings
            )
        if refusals := access.files.guard.refusals:
            return self._failed(
                entry,
                f"{refusals[0]} (the migration went on without it: undone, so that nothing "
                "is left half done; declare such paths in declared_paths())",
                watch,
            )
        written = access.written()
        if len(written) > 1:
            listed = ", ".join(str(s.path) for s in written)
            return self._failed(entry, f"one migration writes one database, not {listed}", watch)
        duration = round((time.perf_counter() - started) * 1000, 3)
        entry_record = history_entry(
            entry.name,
            entry.spec.from_version,
            entry.spec.migration_type.value,
            True,
            result.message,
            result.changes,
        )
        provenance = self._provenance(
            entry,
            journal=journal.id if journal.started else None,
            duration_ms=duration,
            not_undoable=[f"{a.operation} {a.path} at {a.where}" for a in watch.not_undoable],
        )
        applied = Applied(entry_record, provenance, entry.spec.legacy_names)
        commit(self.layout, self.records, journal, applied, written)
        return self._outcome(
            entry,
            Status.APPLIED,
            result.message,
            changes=result.changes,
            warnings=result.warnings,
            not_undoable=list(watch.not_undoable),
            duration_ms=duration,
        )

    def _culprit(self, error: BaseException) -> str | None:
        """The pack whose hook raised, when not the migration itself (the core's call)."""
        record = self.project.plugins.blame(error)
        return None if record is None or record.name == CORE_PLUGIN else record.origin

    def _failed(
        self, entry: CatalogEntry, message: str, watch: Watch, **extra: Any
    ) -> MigrationOutcome:
        """A failure; in a run, the journal's settling records it (see `_settled`). What
        it did that no undo takes back is part of it."""
        return self._outcome(
            entry,
            Status.FAILED,
            message,
            not_previewable=list(watch.refused),
            not_undoable=list(watch.not_undoable),
            **extra,
        )

    def _record_failure(self, entry: CatalogEntry, message: str) -> MigrationOutcome:
        """A failure before any journal existed (the class could not even be built)."""
        outcome = self._outcome(entry, Status.FAILED, message)
        if self.applying:
            self._changing()
            self.records.record(self._failure_event(entry, outcome))
        return outcome

    # -- the end of a run ----------------------------------------------------------------

    def _finish(self, ordered: Sequence[CatalogEntry]) -> None:
        """Advance each distribution whose migrations all settled; mirror the legacy file."""
        unsettled = {e.axis for e in ordered if self.standing.get(e.name) not in MET}
        unsettled.update(e.axis for e in ordered if e.name not in self.standing)
        versions = {
            dist: version
            for dist, version in self.project.installed_versions.items()
            if dist not in unsettled and (dist != HOST_DISTRIBUTION or dist in self._axes())
        }
        try:
            if versions and versions != self.records.migrated_versions():
                self._changing()
                self.records.record(VersionsMigrated(versions))
            write_legacy(self.records, self.layout, self._changing)
        except (MigrationsError, OSError) as error:  # what was applied is recorded already
            self.report.stopped = self.report.stopped or f"could not finish the run: {error}"
        with contextlib.suppress(OSError):
            self.layout.journal_dir.rmdir()  # only when empty: the fast path watches it
        self.complete = (
            self.report.stopped is None
            and not self.options.types
            and not self.options.include
            and self.project.selection.is_default
        )

    def _axes(self) -> set[str | None]:
        return {entry.axis for entry in self.project.catalog.entries.values()}

    def _lifecycle(self, name: str, **kwargs: Any) -> None:
        """Lifecycle hooks observe; one that raises is reported, never fatal. In a dry run
        (and a plan) nothing they do may write."""
        guard = PathGuard.build(f"{name} hook", self.project.root, [], self.allowed)
        watch = Watch(f"{name} hook", guard, None)
        try:
            if self.applying:
                self.project.plugins.call(name, **kwargs)
            else:
                with watch.active():
                    self.project.plugins.call(name, **kwargs)
        except RunInterrupted:
            raise
        except Exception as error:
            culprit = self._culprit(error)
            who = f" of {culprit}" if culprit else ""
            self.report.problems.append(f"{name} hook{who} raised {describe(error)}")
