"""What runs and plans report: to hooks, to the CLI's `--json`, to the host at start-up."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field


class Status(StrEnum):
    """Where one migration stands, in a plan or after a run."""

    PENDING = "pending"  # would be applied now
    APPLIED = "applied"  # applied earlier or in this run
    FAILED = "failed"  # failed in this run (undone) or earlier, not retried at start-up
    DEFERRED = "deferred"  # could not run now (database held open); retried later
    BLOCKED = "blocked"  # a dependency failed, is missing, or forms a cycle
    NOT_APPLICABLE = "not_applicable"  # nothing to do in this project
    VETOED = "vetoed"  # a plugin's check_migration said no
    OUT_OF_RANGE = "out_of_range"  # its axis distribution's version is outside the range
    INTERRUPTED = "interrupted"  # a crash stopped it; it was undone on the next run
    FILTERED = "filtered"  # left out by `run --type`
    ORPHANED = "orphaned"  # applied, but no installed pack provides it now (history kept)


class PlannedFileChange(BaseModel):
    action: str
    path: str
    target: str | None = None
    diff: str = ""


class MigrationOutcome(BaseModel):
    """One migration's line in a plan or a run report."""

    name: str
    distribution: str | None = None
    migration_type: str
    description: str = ""
    status: Status
    reason: str = ""
    changes: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    planned: list[PlannedFileChange] = Field(default_factory=list)
    duration_ms: float | None = None
    drift: str | None = None


class RunReport(BaseModel):
    """Everything a run did; `ok` is what an exit code or a host's start-up check needs."""

    project_root: Path
    trigger: str
    dry_run: bool = False
    skipped: str | None = None
    """Why the run did nothing at all (idle fast path, lock held, not a project)."""
    outcomes: list[MigrationOutcome] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)
    """Pack, plugin and state problems, each naming the distribution or file."""
    error: str | None = None

    def count(self, status: Status) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status is status)

    @property
    def ok(self) -> bool:
        return self.error is None and not any(
            outcome.status in {Status.FAILED, Status.BLOCKED} for outcome in self.outcomes
        )
