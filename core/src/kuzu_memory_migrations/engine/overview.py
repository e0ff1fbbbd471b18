"""What `status`, `plan` and `check` show: the plan, what was applied before, and how the
records compare with the installed packs (drift, orphans, downgrades, failures)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..contract.context import Trigger
from ..contract.reports import MigrationOutcome, RunReport, Status
from .audit import Audit, audit, current_entry
from .project import Project
from .records import FailureRecord, Records
from .runner import Mode, RunOptions, run
from .state import read_records


@dataclass
class Overview:
    """Every known migration's standing, without changing anything."""

    plan: RunReport
    audit: Audit = field(default_factory=Audit)
    failures: dict[str, FailureRecord] = field(default_factory=dict)
    """Migrations whose last attempt failed or was interrupted (and not applied since)."""
    applied: list[MigrationOutcome] = field(default_factory=list)
    """Every applied migration, oldest first (only when asked for: it reads every record)."""

    @property
    def pending(self) -> list[MigrationOutcome]:
        return [o for o in self.plan.outcomes if o.status is Status.PENDING]

    @property
    def deferred(self) -> list[MigrationOutcome]:
        """What waits for its database (another process holds it open)."""
        return [o for o in self.plan.outcomes if o.status is Status.DEFERRED]

    @property
    def held(self) -> list[MigrationOutcome]:
        """What runs only when asked for by name (`run --include`)."""
        return [o for o in self.plan.outcomes if o.status in {Status.OPT_IN, Status.ROLLED_BACK}]

    @property
    def everything(self) -> list[MigrationOutcome]:
        return [*self.applied, *self.plan.outcomes]

    @property
    def attention(self) -> list[MigrationOutcome]:
        """Applied migrations whose code changed since they ran."""
        return [
            MigrationOutcome(
                name=d.name,
                distribution=d.distribution,
                migration_type=d.migration_type,
                status=Status.APPLIED,
                drift=d.describe(),
            )
            for d in self.audit.drift.values()
        ]

    @property
    def stuck(self) -> list[MigrationOutcome]:
        """What the plan cannot run: blocked, or failing already in its check."""
        return [o for o in self.plan.outcomes if o.status in {Status.BLOCKED, Status.FAILED}]


def applied_outcomes(project: Project, records: Records, found: Audit) -> list[MigrationOutcome]:
    """One outcome per applied migration, oldest first, with where it came from."""
    outcomes: dict[str, MigrationOutcome] = {}
    applied = records.applied_among(row.entry.name for row in records.history())
    for row in records.history():
        entry = row.entry
        if not entry.success or entry.name not in applied or row.outcome == "alias":
            continue
        current = current_entry(project, entry.name)
        orphan = found.orphans.get(entry.name)
        drift = found.drift.get(entry.name)
        if row.outcome == "host":
            status, reason = Status.HOST, f"by kuzu-memory's built-in system: {entry.message}"
        elif orphan:
            status, reason = Status.ORPHANED, f"{orphan.reason}; its history is kept"
        else:
            status, reason = Status.APPLIED, entry.message
        outcomes[entry.name] = MigrationOutcome(
            name=current.name if current else entry.name,
            distribution=(row.provenance.distribution if row.provenance else None)
            or (current.distribution if current else None),
            migration_type=entry.migration_type,
            status=status,
            reason=reason,
            changes=entry.changes,
            drift=drift.describe() if drift else None,
        )
    return list(outcomes.values())


def overview(project: Project, *, full: bool = False) -> Overview:
    """The plan and the audit; with `full`, every applied migration too."""
    records = read_records(project.layout)
    try:
        report = run(project, RunOptions(mode=Mode.PLAN, trigger=Trigger.RUN), records)
        found = audit(project, records)
        view = Overview(report, found, records.failures())
        if full:
            view.applied = applied_outcomes(project, records, found)
        return view
    finally:
        records.close()


@dataclass
class Verdict:
    """`check`: one line and an exit code (0 up to date, 2 pending, 1 errors or, if strict,
    drift, orphans, downgrades, failed or interrupted migrations and pack problems)."""

    exit_code: int
    line: str
    data: dict[str, object]


def verdict(view: Overview, *, strict: bool) -> Verdict:
    found = {
        "pending": [o.name for o in view.pending],
        "deferred": [o.name for o in view.deferred],
        "blocked": [o.name for o in view.stuck],
        "drifted": sorted(view.audit.drift),
        "orphaned": sorted(view.audit.orphans),
        "downgrades": [d.distribution for d in view.audit.downgrades],
        "failed": sorted(n for n, f in view.failures.items() if not f.interrupted),
        "interrupted": sorted(n for n, f in view.failures.items() if f.interrupted),
        "rolled_back": [o.name for o in view.plan.outcomes if o.status is Status.ROLLED_BACK],
        "problems": list(view.plan.problems),
    }
    strict_keys = ("drifted", "orphaned", "downgrades", "failed", "interrupted", "problems")
    failing = bool(found["blocked"]) or (strict and any(found[k] for k in strict_keys))
    code = 1 if failing else 2 if found["pending"] or found["deferred"] else 0
    label = {0: "ok", 1: "failing", 2: "pending"}[code]
    parts = [
        f"{len(items)} {key.replace('_', ' ')} ({', '.join(items)})"
        for key, items in found.items()
        if items and key != "problems"
    ]
    if found["problems"]:  # each too long for the line: `check` prints them apart
        count = len(found["problems"])
        parts.append(f"{count} {'problem' if count == 1 else 'problems'}")
    line = f"{label}: {'; '.join(parts)}" if parts else "ok: nothing pending"
    return Verdict(code, line, {"status": label, "exit_code": code, "strict": strict, **found})
