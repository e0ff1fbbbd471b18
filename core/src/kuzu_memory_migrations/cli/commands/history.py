"""`history` and `reset`: the record of what ran, and starting it over."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table

from ...contract.results import MigrationType
from ...engine import fastpath
from ...engine.locking import project_lock
from ...engine.records import Provenance
from ...engine.state import read_records
from ..app import (
    EXIT_USAGE,
    HISTORY,
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


def describe_provenance(origin: Provenance) -> str:
    """Which pack and version supplied it, how it ran, how long, which code."""
    if origin.how == "host":
        return "kuzu-memory's built-in system"
    took = f", {origin.duration_ms:.0f} ms" if origin.duration_ms is not None else ""
    return (
        f"{origin.distribution or '?'} {origin.distribution_version or ''} "
        f"via {origin.how}{took}, code {(origin.fingerprint or '-')[:12]}"
    )


RESULTS = {
    "applied": "[green]ok[/]",
    "stamped": "[green]stamped[/]",
    "alias": "[green]ok (alias)[/]",
    "failed": "[red]failed[/]",
    "interrupted": "[red]interrupted[/]",
    "rolled_back": "[magenta]rolled back[/]",
}


@app.command(rich_help_panel=HISTORY)
def history(
    context: typer.Context,
    project_root: ProjectRoot = None,
    limit: Annotated[
        int, typer.Option("--limit", "-l", min=1, help="Newest N entries.", metavar="N")
    ] = 20,
    type_: Annotated[
        MigrationType | None,
        typer.Option("--type", "-t", case_sensitive=False, help="Only this type."),
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
        finally:
            records.close()
    if as_json:
        print_json(
            [
                {
                    **row.entry.model_dump(mode="json"),
                    "outcome": row.outcome,
                    "provenance": row.provenance.model_dump(mode="json")
                    if row.provenance
                    else None,
                    "failures": row.failure.model_dump(mode="json") if row.failure else None,
                }
                for row in rows
            ]
        )
        return
    if not rows:
        console.print("No migration history yet.")
        return
    table = Table(title=f"History of {project.root}", title_justify="left")
    for column in ("when", "migration", "type", "version", "result", "message"):
        table.add_column(column)
    if verbose:
        table.add_column("provenance")
    for row in rows:
        entry = row.entry
        result = RESULTS.get(row.outcome, "[green]ok[/]" if entry.success else "[red]failed[/]")
        if row.outcome == "host":
            result = (
                "[green]ok (kuzu-memory)[/]" if entry.success else "[red]failed (kuzu-memory)[/]"
            )
        cells = [entry.timestamp[:19], entry.name, entry.migration_type, entry.version, result]
        cells.append(entry.message)
        if verbose:
            cells.append(describe_provenance(row.provenance) if row.provenance else "-")
        table.add_row(*cells)
    console.print(table)


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
        print_json({"project_root": str(project.root), "kept": kept})
    elif kept:
        console.print("State reset; the old state is kept as " + ", ".join(kept), soft_wrap=True)
    else:
        console.print("No state to reset.")
