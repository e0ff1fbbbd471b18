"""`history` and `reset`: the record of what ran, and starting it over."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from ...contract.results import MigrationType
from ...engine import fastpath
from ...engine.locking import project_lock
from ...engine.state import Provenance
from ..app import (
    HISTORY,
    TYPES,
    Json,
    ProjectRoot,
    Yes,
    app,
    handled_errors,
    open_project,
    print_json,
)
from ..console import console
from ..render import Field, Listing, short_fingerprint


def describe_provenance(origin: Provenance) -> str:
    """Which pack and version supplied it, how it ran, how long, which code."""
    took = f", {origin.duration_ms:.0f} ms" if origin.duration_ms is not None else ""
    pack = " ".join(filter(None, (origin.distribution or "?", origin.distribution_version)))
    return f"{pack} via {origin.how}{took}, code {short_fingerprint(origin.fingerprint)}"


@app.command(rich_help_panel=HISTORY)
def history(
    context: typer.Context,
    project_root: ProjectRoot = None,
    limit: Annotated[
        int, typer.Option("--limit", "-l", min=1, metavar="N", help="Newest N entries.")
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
    with handled_errors():
        project = open_project(context, project_root)
        state = project.store.load()
    entries = [e for e in state.history if type_ is None or e.migration_type == type_.value]
    entries = entries[-limit:]
    applied = state.framework.applied
    if as_json:
        print_json(
            [
                {
                    **e.model_dump(mode="json"),
                    "provenance": applied[e.name].model_dump(mode="json")
                    if e.success and e.name in applied
                    else None,
                    "failures": state.framework.failures[e.name].model_dump(mode="json")
                    if not e.success and e.name in state.framework.failures
                    else None,
                }
                for e in entries
            ]
        )
        return
    if not entries:
        console.print("No migration history yet.")
        return
    columns = ("when", "migration", "type", "version", "result", "message")
    listing = Listing(columns, title=f"History of {project.root}", styles=("", "bold"))
    for entry in entries:
        result = (
            Field(Text("ok", "green"), "ok")
            if entry.success
            else Field(Text("failed", "red"), "failed")
        )
        message = Text(entry.message)
        if verbose:
            origin = applied.get(entry.name) if entry.success else None
            provenance = describe_provenance(origin) if origin else "no provenance recorded"
            message.append(f"\n{provenance}", style="dim")
        listing.add(
            entry.timestamp, entry.name, entry.migration_type, entry.version, result, message
        )
    console.print(listing)


@app.command(rich_help_panel=HISTORY)
def reset(
    context: typer.Context,
    project_root: ProjectRoot = None,
    yes: Yes = False,
    as_json: Json = False,
) -> None:
    """Forget all migration history (the old state file is kept beside it, renamed)."""
    project = open_project(context, project_root)
    if not yes:
        typer.confirm(
            f"Reset the migration state of {project.root}? Every migration will be "
            "considered again on the next run",
            abort=True,
        )
    with handled_errors(), project_lock(project.layout, wait=30.0):
        kept = project.store.preserve_and_reset()
        fastpath.clear_stamp(project.layout)
    if as_json:
        print_json({"project_root": str(project.root), "kept": kept})
    elif kept:
        console.print(f"State reset; the old state is kept as {kept}")
    else:
        console.print("No state to reset.")
