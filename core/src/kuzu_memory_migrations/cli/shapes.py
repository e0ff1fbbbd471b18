"""The JSON each command prints with `--json`: one pydantic model per command.

The commands build these models and print them, so the shapes cannot drift from what is
printed; docs/reference/json.md shows them as `reference()` renders them (a test checks
the page against this module).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field, RootModel

from ..contract.reports import MigrationOutcome, PlainIO, PlannedFileChange, RunReport
from ..engine.records import FailureRecord, HistoryEntry, Provenance


class ErrorDetail(BaseModel):
    """What went wrong, for a script: `code` is stable, `message` is for people."""

    code: str = Field(description="stable kind of error: one of the error codes below")
    message: str = Field(description="one line naming the file, pack or migration")
    exit_code: int = Field(description="the command's exit status")
    applied: list[str] = Field(
        default=[], description="`interrupted` only: what the run had applied, in order"
    )
    undone: str | None = Field(
        default=None, description="`interrupted` only: the migration under way, undone"
    )


class ErrorDocument(BaseModel):
    """What any command prints instead of its own shape when it fails."""

    error: ErrorDetail


class Orphan(BaseModel):
    """An applied migration no installed pack provides any more (its history is kept)."""

    name: str
    distribution: str | None
    reason: str


class Downgrade(BaseModel):
    """A distribution installed at a lower version than the project was migrated with."""

    distribution: str
    installed: str
    migrated: str
    migrations: list[str] = Field(description="applied by the newer version")
    message: str


class Audit(BaseModel):
    """How the records compare with the installed packs (`status`, `plan`)."""

    drifted: list[MigrationOutcome] = Field(description="applied migrations whose code changed")
    orphaned: list[Orphan] = Field(description="applied migrations no installed pack provides")
    downgrades: list[Downgrade]
    failures: dict[str, FailureRecord] = Field(description="last attempt failed or interrupted")


class StatusDocument(Audit):
    """`status --json`."""

    project_root: str
    pending: list[MigrationOutcome] = Field(description="what `run` would apply")
    stuck: list[MigrationOutcome] = Field(description="what cannot run: blocked, failing checks")
    deferred: list[MigrationOutcome] = Field(
        description="what waits for its database, held open by another process"
    )
    held: list[MigrationOutcome] = Field(
        description="what runs only when asked for by name: opt-in or rolled back"
    )
    migrations: list[MigrationOutcome] = Field(description="every migration, applied ones first")
    problems: list[str] = Field(description="pack, plugin and state problems, each named")


class PlanDocument(RunReport, Audit):
    """`plan --json`: a run report whose outcomes are the plan (nothing is run)."""


class CheckDocument(BaseModel):
    """`check --json`: the verdict, and the names behind it."""

    project_root: str
    status: str = Field(description="`ok`, `pending` or `failing`")
    exit_code: int
    strict: bool
    pending: list[str]
    deferred: list[str] = Field(description="could not be checked now (a database held open)")
    blocked: list[str]
    drifted: list[str]
    orphaned: list[str]
    downgrades: list[str] = Field(description="distributions installed older than migrated")
    failed: list[str]
    interrupted: list[str]
    rolled_back: list[str] = Field(description="wait for `run --include`; neither ok nor failing")
    problems: list[str]
    line: str = Field(description="what `check` prints without --json")


class HistoryItem(HistoryEntry):
    """One entry of `history --json`: the legacy entry and what the records add to it."""

    outcome: str = Field(
        description="`applied`, `stamped`, `failed`, `interrupted`, `rolled_back`, `host` "
        "(kuzu-memory's own system) or `alias` (a built-in name written for one of ours)"
    )
    provenance: Provenance | None = Field(description="none for kuzu-memory's own entries")
    failures: FailureRecord | None = Field(description="for a failed entry")


class HistoryDocument(RootModel[list[HistoryItem]]):
    """`history --json`: a list of the newest entries, oldest first."""


class RollbackDocument(BaseModel):
    """`rollback NAME --json`."""

    project_root: str
    migration: str
    backup: str = Field(description="the journal the rollback replayed")
    restored: list[str] = Field(description="every path put back")
    overwritten: list[str] = Field(description="edited since, put back anyway (--force)")


class StampDocument(BaseModel):
    """`stamp --json`."""

    project_root: str
    dry_run: bool
    stamped: list[str] = Field(description="recorded as applied (or would be, in a dry run)")
    already_applied: list[str] = Field(description="named, but applied already: left as they were")


class ForgetDocument(BaseModel):
    """`forget --json`."""

    project_root: str
    dry_run: bool
    forgotten: list[str] = Field(description="taken out of the history (or would be)")


class RepairDocument(BaseModel):
    """`repair --json`."""

    project_root: str
    dry_run: bool
    repaired: list[str] = Field(description="whose current code is now the reference")


class ResetDocument(BaseModel):
    """`reset --json`."""

    project_root: str
    kept: list[str] = Field(description="where the old records and state file were moved")


class PluginRow(BaseModel):
    """One plugin (an entry point, or a module named with --plugin), as `plugins` lists it."""

    name: str = Field(description="entry-point name")
    distribution: str | None = Field(description="none for a module named with --plugin")
    version: str | None = Field(description="the distribution's installed version")
    entry_point: str = Field(description="what the entry point names: `module[:object]`")
    state: str = Field(
        description="`loaded`, `blocked` (disabled), `error` or `not loaded` (not selected)"
    )
    error: str | None = Field(description="why it did not load, with the file:line that raised")
    migrations: int = Field(description="how many migrations it registers")


class PluginsDocument(BaseModel):
    """`plugins --json`."""

    plugins: list[PluginRow]
    problems: list[str]


class ScaffoldDocument(BaseModel):
    """`new pack`, `new migration` with `--json`."""

    root: str
    created: list[str] = Field(description="paths relative to `root`")


COMMANDS: dict[str, type[BaseModel]] = {
    "run, run --dry-run": RunReport,
    "status": StatusDocument,
    "plan": PlanDocument,
    "check": CheckDocument,
    "history": HistoryDocument,
    "rollback": RollbackDocument,
    "stamp": StampDocument,
    "forget": ForgetDocument,
    "repair": RepairDocument,
    "reset": ResetDocument,
    "plugins": PluginsDocument,
    "new pack, new migration": ScaffoldDocument,
    "any command that fails": ErrorDocument,
}


_MODULES = ("kuzu_memory_migrations.contract.reports.", "kuzu_memory_migrations.engine.records.")


def _type(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__name__
    text = str(annotation).replace("typing.", "").replace("pathlib.", "")
    text = re.sub(r"<class '(\w+)'>", r"\1", text)
    text = re.sub(r"kuzu_memory_migrations(\.\w+)*\.", "", text)
    return text.replace("NoneType", "null").replace("|", "\\|")


PARTS: tuple[type[BaseModel], ...] = (
    MigrationOutcome,
    PlannedFileChange,
    PlainIO,
    Provenance,
    FailureRecord,
    Orphan,
    Downgrade,
    PluginRow,
    ErrorDetail,
)
"""The models the shapes are made of, shown after them."""

COMMAND_LINE_ERRORS = {
    "usage": "a bad option or value, an unknown command, a confirmation asked for off a "
    "terminal (pass --yes), a bad name for `new`; nothing was changed",
    "error": "any other failure a command reports (the fallback code)",
    "os": "the operating system refused a file operation; the message names the path",
    "interrupted": "Ctrl-C or SIGTERM stopped the command; the migration under way was undone",
    "exists": "`new pack` or `new migration`: what it would write is there already",
    "not_a_pack": "`new migration`: the folder is not a pack made by `new pack`",
}
"""The codes the command line gives its own failures; every other code is an error class's."""


def error_codes() -> dict[str, str]:
    """Every `code` an `error` document can hold, with what it means."""
    from ..contract.errors import MigrationsError
    from ..engine import errors  # noqa: F401  (defines the engine's error classes)

    codes: dict[str, str] = {}
    kinds: list[type[MigrationsError]] = [MigrationsError]
    while kinds:
        kind = kinds.pop(0)
        kinds += kind.__subclasses__()
        if kind.__module__.startswith("kuzu_memory_migrations."):  # not a pack's own
            codes.setdefault(kind.code, " ".join((kind.__doc__ or "").split("\n\n")[0].split()))
    return {**codes, **COMMAND_LINE_ERRORS}


def _table(model: type[BaseModel], fields: dict[str, Any]) -> list[str]:
    lines = ["| key | type | meaning |", "| --- | --- | --- |"]
    for name, field in fields.items():
        meaning = " ".join((field.description or "").split()).replace("|", "\\|")
        lines.append(f"| `{name}` | `{_type(field.annotation)}` | {meaning} |")
    return [*lines, ""]


def reference() -> str:
    """The shapes, as docs/reference/json.md shows them: one table per command."""
    lines: list[str] = []
    for commands, model in COMMANDS.items():
        doc = (model.__doc__ or model.__name__).strip().splitlines()[0]
        fields = HistoryItem.model_fields if issubclass(model, RootModel) else model.model_fields
        lines += [f"### {commands}", "", doc, "", *_table(model, fields)]
    lines += ["## The parts", ""]
    for part in PARTS:
        doc = (part.__doc__ or part.__name__).strip().splitlines()[0]
        lines += [f"### {part.__name__}", "", doc, "", *_table(part, part.model_fields)]
    lines += ["### Error codes", "", "The `code` of an `ErrorDetail`.", ""]
    lines += ["| code | meaning |", "| --- | --- |"]
    lines += [f"| `{code}` | {meaning} |" for code, meaning in sorted(error_codes().items())]
    return "\n".join([*lines, ""])
