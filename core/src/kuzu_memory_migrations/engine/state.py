"""The project's migration state: `.kuzu-memory/migration_state.json`.

`last_version` and `history` keep exactly the shape the old built-in system wrote, so each
side reads the other's file. Everything this framework adds (per-distribution versions,
provenance, failure counts) lives beside them under one key, never inside a history entry.

Each migration's outcome is appended to `state.log` (one fsynced line: constant cost,
however long the history) and folded into the JSON file once per run, atomically.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .atomic import append_durably, atomic_write
from .layout import ProjectLayout

STATE_KEY = "kuzu_memory_migrations"
FORMAT = 1
MAX_FAILED_ENTRIES = 200
"""Failed and interrupted history entries kept; successful ones are always kept."""

How = Literal["run", "startup", "stamp", "rollback", "direct"]


class StateError(Exception):
    """The state file cannot be used; the message names it and the way out."""


class HistoryEntry(BaseModel):
    """One line of history, in the old built-in system's shape."""

    model_config = ConfigDict(extra="allow")

    name: str
    version: str
    migration_type: str
    timestamp: str
    success: bool
    message: str
    changes: list[str] = Field(default_factory=list)


class Provenance(BaseModel):
    """Where an applied migration came from and how it ran."""

    distribution: str | None = None
    distribution_version: str | None = None
    fingerprint: str | None = None
    source_file: str | None = None
    how: How = "run"
    run_id: str = ""
    applied_at: str = ""
    duration_ms: float | None = None


class FailureRecord(BaseModel):
    count: int = 1
    interrupted: bool = False
    last_at: str = ""
    message: str = ""
    distribution_version: str | None = None
    fingerprint: str | None = None


class FrameworkState(BaseModel):
    format: int = FORMAT
    migrated_versions: dict[str, str] = Field(default_factory=dict)
    applied: dict[str, Provenance] = Field(default_factory=dict)
    failures: dict[str, FailureRecord] = Field(default_factory=dict)
    reference_fingerprints: dict[str, str] = Field(default_factory=dict)
    """Set by `repair`: the accepted code of a migration changed after it ran."""


class MigrationState(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    last_version: str = "0.0.0"
    history: list[HistoryEntry] = Field(default_factory=list)
    framework: FrameworkState = Field(
        default_factory=FrameworkState,
        alias="kuzu_memory_migrations",  # STATE_KEY
    )

    def applied_names(self) -> set[str]:
        names = {entry.name for entry in self.history if entry.success}
        return names | set(self.framework.applied)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2, exclude_none=False) + "\n"

    # -- changes, each also written to the log as one event --------------------------

    def apply_event(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        name = event.get("name", "")
        if kind == "applied":
            self.history.append(HistoryEntry.model_validate(event["entry"]))
            self.framework.applied[name] = Provenance.model_validate(event["provenance"])
            self.framework.failures.pop(name, None)
        elif kind == "failed":
            self._record_failure(event)
        elif kind == "rolled_back":  # `rollback NAME`: not applied, not retried at start-up
            self.history = [e for e in self.history if not (e.name == name and e.success)]
            self.framework.applied.pop(name, None)
            self._record_failure(event)
        elif kind == "forgotten":
            self.history = [e for e in self.history if e.name != name]
            self.framework.applied.pop(name, None)
            self.framework.failures.pop(name, None)
            self.framework.reference_fingerprints.pop(name, None)
        elif kind == "versions":
            self.framework.migrated_versions.update(event["migrated_versions"])
            if event.get("last_version"):
                self.last_version = event["last_version"]
        elif kind == "reference":
            self.framework.reference_fingerprints[name] = event["fingerprint"]

    def _record_failure(self, event: dict[str, Any]) -> None:
        """A repeated failure of the same code is counted, not appended again."""
        name = event["name"]
        previous = self.framework.failures.get(name)
        entry = HistoryEntry.model_validate(event["entry"])
        if previous and previous.fingerprint == event.get("fingerprint"):
            previous.count += 1
            previous.last_at, previous.message = entry.timestamp, entry.message
            previous.interrupted = bool(event.get("interrupted"))
            return
        self.history.append(entry)
        self.framework.failures[name] = FailureRecord(
            last_at=entry.timestamp,
            message=entry.message,
            distribution_version=event.get("distribution_version"),
            fingerprint=event.get("fingerprint"),
            interrupted=bool(event.get("interrupted")),
        )
        failed = [i for i, e in enumerate(self.history) if not e.success]
        for index in reversed(failed[: max(0, len(failed) - MAX_FAILED_ENTRIES)]):
            del self.history[index]


def now_iso() -> str:
    return datetime.now().isoformat()


def history_entry(
    name: str,
    version: str,
    migration_type: str,
    success: bool,
    message: str,
    changes: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "version": version,
        "migration_type": migration_type,
        "timestamp": now_iso(),
        "success": success,
        "message": message,
        "changes": list(changes or []),
    }


class StateStore:
    """Loads, logs and saves one project's state."""

    def __init__(self, layout: ProjectLayout) -> None:
        self.layout = layout

    def _way_out(self) -> str:
        return (
            "move it aside (or restore it from a backup) to start again; "
            "`kuzu-memory-migrations reset --yes` replaces it and keeps the old bytes beside it"
        )

    def load(self) -> MigrationState:
        """The saved state plus any logged events a run left unfolded."""
        path = self.layout.state_file
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            state = MigrationState()
        else:
            try:
                data = json.loads(raw)
                if not isinstance(data, dict):
                    raise TypeError(f"expected a JSON object, found {type(data).__name__}")
                _refuse_newer(path, data)  # before validating: a newer shape is not corruption
                state = MigrationState.model_validate(data)
            except (ValueError, TypeError) as error:
                detail = _explain(error)
                raise StateError(f"{path} is corrupt ({detail}); {self._way_out()}") from error
        for event in self._logged_events():
            state.apply_event(event)
        return state

    def _logged_events(self) -> list[dict[str, Any]]:
        try:
            lines = self.layout.state_log.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        events = []
        for line in lines:
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                break  # a torn last line: that event never completed
        return events

    def log(self, state: MigrationState, event: dict[str, Any]) -> None:
        """Record one event durably now (O(1)), and in memory."""
        self.layout.ensure_work_dir()
        append_durably(self.layout.state_log, json.dumps(event, sort_keys=True))
        state.apply_event(event)

    def save(self, state: MigrationState) -> None:
        """Fold everything into the JSON file atomically, then drop the log.

        An unchanged state is not rewritten: its file signature is what keeps the fast
        path's stamp valid for every environment that found the project idle.
        """
        data = state.to_json().encode("utf-8")
        try:
            unchanged = self.layout.state_file.read_bytes() == data
        except FileNotFoundError:
            unchanged = False
        if not unchanged:
            self.layout.memory_dir.mkdir(parents=True, exist_ok=True)
            atomic_write(self.layout.state_file, data)
        self.layout.state_log.unlink(missing_ok=True)

    def preserve_and_reset(self) -> str | None:
        """Move a state file aside (kept, never deleted) and start empty; returns where."""
        path = self.layout.state_file
        if not path.exists():
            return None
        kept = path.with_name(f"{path.name}.{time.strftime('%Y%m%d-%H%M%S')}.bak")
        path.replace(kept)
        self.layout.state_log.unlink(missing_ok=True)
        return str(kept)


def _refuse_newer(path: Path, data: dict[str, Any]) -> None:
    framework = data.get(STATE_KEY)
    found = framework.get("format") if isinstance(framework, dict) else None
    if isinstance(found, int) and found > FORMAT:
        raise StateError(
            f"{path} was written by a newer kuzu-memory-migrations (state format {found}, "
            f"this one reads {FORMAT}); upgrade kuzu-memory-migrations. Nothing was changed."
        )


def _explain(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg']}"
    if isinstance(error, json.JSONDecodeError):
        return f"line {error.lineno}, column {error.colno}: {error.msg}"
    return str(error)
