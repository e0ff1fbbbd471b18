"""`plugins`: which packs are installed, which loaded, and what each contributes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from ...engine.project import Project
from ..app import PACKS, Json, app, chosen_plugins, handled_errors, print_json
from ..console import console
from ..render import Field, Listing, problems
from ..shapes import PluginRow, PluginsDocument

AnyRoot = Annotated[
    Path | None,
    typer.Option(
        "--project-root",
        help="Accepted as every command takes it, and not needed: the packs are those "
        "installed, whatever the folder (a project or not).",
        show_default=False,
        metavar="PATH",
    ),
]


@app.command(rich_help_panel=PACKS)
def plugins(context: typer.Context, project_root: AnyRoot = None, as_json: Json = False) -> None:
    """List installed packs with their distribution, version, state and migration count.

    Needs no project: it works in any folder, a project or not."""
    with handled_errors(as_json=as_json):
        project = Project(project_root or Path.cwd(), chosen_plugins(context))
        records = project.plugins.records
        counts = Counter(entry.plugin.name for entry in project.catalog.entries.values())
    rows = [
        PluginRow(
            name=r.name,
            distribution=r.distribution,
            version=r.version,
            entry_point=r.value,
            state="blocked"
            if r.blocked
            else "error"
            if r.error
            else "loaded"
            if project.plugins.manager.has_plugin(r.name)
            else "not loaded",
            error=r.error,
            migrations=counts[r.name],
        )
        for r in records
    ]
    if as_json:
        print_json(PluginsDocument(plugins=rows, problems=project.problems))
        return
    if not rows:
        console.print("No packs installed (entry-point group kuzu_memory.migrations).")
        return
    listing = Listing(
        ("plugin", "distribution", "version", "state", "migrations"),
        title="Installed packs",
        free=False,
    )
    for row in rows:
        state = row.state
        style = {"loaded": "green", "blocked": "yellow", "error": "red"}.get(state, "dim")
        listing.add(
            row.name,
            row.distribution or "",
            row.version or "",
            Field(Text(state, style), state.replace(" ", "_")),
            str(row.migrations),
        )
    console.print(listing)
    problems(project.problems)
