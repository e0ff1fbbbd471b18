"""`history` and `reset`: the record of what ran, and starting it over."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.text import Text

from ...contract.results import MigrationType
from ...engine import fastpath
from ...engine.locking import project_lock
from ...engine.records import Provenance
from ...engine.state import read_records
from ..app import (
    EXIT_USAGE,
    HISTORY,
    TYPES,
    Json,
    ProjectRoot,
    Yes,
    app,
    fail,
    handled_errors,
    open_project,
    print_json,
)
from ..console import console
from ..render import Field, Listing, short_fingerprint
from ..shapes import HistoryDocument, HistoryItem, ResetDocument


def describe_provenance(origin: Provenance) -> str:
    """Which pack and version supplied it, how it ran, how long, which code."""
    if origin.how == "host":
        return "kuzu-memory's built-in system"
    took = f", {origin.duration_ms:.0f} ms" if origin.duration_ms is not None else ""
    pack = " ".join(filter(None, (origin.distribution or "?", origin.distribution_version)))
    described = f"{pack} via {origin.how}{took}, code {short_fingerprint(origin.fingerprint)}"
    if origin.not_undoable:  # what a rollback cannot take back
        described += "; not undoable: " + "; ".join(origin.not_undoable)
    return described


RESULTS = {
    "applied": ("ok", "green"),
    "stamped": ("stamped", "green"),
    "alias": ("ok (alias)", "green"),
    "failed": ("failed", "red"),
    "interrupted": ("interrupted", "red"),
    "rolled_back": ("rolled back", "magenta"),
}
"""What each recorded outcome shows; off a terminal the outcome itself (one word)."""


def result_field(outcome: str, success: bool) -> Field:
    if outcome == "host":  # recorded by kuzu-memory's own system
        shown, style = ("ok (kuzu-memory)", "green") if success else ("failed (kuzu-memory)", "red")
        return Field(Text(shown, style), "host" if success else "host_failed")
    shown, style = RESULTS.get(outcome, ("ok", "green") if success else ("failed", "red"))
    plain = {"applied": "ok"}.get(outcome, outcome) or ("ok" if success else "failed")
    return Field(Text(shown, style), plain.replace(" ", "_"))


@app.command(rich_help_panel=HISTORY)
def history(
    context: typer.Context,
    project_root: ProjectRoot = None,
    limit: Annotated[
        int, typer.Option("--limit", "-l", min=1, help="Newest N entries.", metavar="N")
    ] = 20,
    type_: Annotated[
        MigrationType | None,
        typer.Option(
            "--type", "-t", case_sensitive=False, metavar="TYPE", help=f"Only this type: {TYPES}."
        ),
    ] = None,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Show provenance: pack, version, code fingerprint, how and how long it ran.",
        ),
    ] = False,
    as_json: Json = False,
) -> None:
    """Show the newest entries of the migration history (oldest first)."""
    with handled_errors(as_json=as_json):
        project = open_project(context, project_root)
        records = read_records(project.layout)
        try:
            rows = records.history(limit, type_.value if type_ else None)
            total = records.history_count(type_.value if type_ else None)
        finally:
            records.close()
    if as_json:
        print_json(
            HistoryDocument(
                [
                    HistoryItem(
                        **row.entry.model_dump(),
                        outcome=row.outcome,
                        provenance=row.provenance,
                        failures=row.failure,
                    )
                    for row in rows
                ]
            )
        )
        return
    if not rows:
        console.print("No migration history yet.")
        return
    columns = ("when", "migration", "type", "version", "result", "message")
    title = f"History of {project.root}"
    if total > len(rows):  # the older entries are left out: say so, and how to see them
        title += f": showing {len(rows)} of {total} (use --limit)"
    listing = Listing(columns, title=title, styles=("", "bold"))
    for row in rows:
        entry = row.entry
        message = Text(entry.message)
        if verbose:
            origin = describe_provenance(row.provenance) if row.provenance else "no provenance"
            message.append(f"\n{origin}", style="dim")
        listing.add(
            entry.timestamp,
            entry.name,
            entry.migration_type,
            entry.version,
            result_field(row.outcome, entry.success),
            message,
        )
    console.print(listing)


@app.command(rich_help_panel=HISTORY)
def reset(
    context: typer.Context,
    project_root: ProjectRoot = None,
    yes: Yes = False,
    as_json: Json = False,
) -> None:
    """Forget all migration history: the records and the legacy state file are moved aside
    (kept, renamed), so every migration is considered again on the next run."""
    with handled_errors(as_json=as_json):
        project = open_project(context, project_root)
    if not yes:
        if not console.is_terminal:
            fail("reset asks for confirmation: pass --yes to reset", EXIT_USAGE, as_json=as_json)
        typer.confirm(
            f"Reset the migration state of {project.root}? Every migration will be "
            "considered again on the next run",
            abort=True,
        )
    kept: list[str] = []
    with handled_errors(as_json=as_json), project_lock(project.layout, wait=30.0):
        stamp = time.strftime("%Y%m%d-%H%M%S")
        layout = project.layout
        for path in (layout.records, layout.state_file):
            if path.exists():
                aside = path.with_name(f"{path.name}.{stamp}.bak")
                path.replace(aside)
                kept.append(str(aside))
            for suffix in ("-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
        fastpath.clear_stamp(layout)
    if as_json:
        print_json(ResetDocument(project_root=str(project.root), kept=kept))
    elif kept:
        console.print("State reset; the old state is kept as " + ", ".join(kept), soft_wrap=True)
    else:
        console.print("No state to reset.")
