"""`plugins`: which packs are installed, which loaded, and what each contributes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer
from rich.text import Text

from ...engine.project import PluginSelection, Project
from ..app import PACKS, Json, ProjectRoot, app, handled_errors, open_project, print_json
from ..console import console
from ..render import Field, Listing, problems
from ..shapes import PluginRow, PluginsDocument


@app.command(rich_help_panel=PACKS)
def plugins(
    context: typer.Context, project_root: ProjectRoot = None, as_json: Json = False
) -> None:
    """List installed packs with their distribution, version, state and migration count.

    Needs no project, unless --project-root names one (which must then be a project)."""
    with handled_errors(as_json=as_json):
        if project_root is not None:
            project = open_project(context, project_root)
        else:
            selection = context.find_object(PluginSelection) or PluginSelection()
            project = Project(Path.cwd(), selection)
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
