"""`plugins`: which packs are installed, which loaded, and what each contributes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer
from rich.table import Table

from ...engine.project import PluginSelection, Project
from ..app import PACKS, Json, ProjectRoot, app, handled_errors, open_project, print_json
from ..console import console
from ..render import problems


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
        {
            "name": r.name,
            "distribution": r.distribution,
            "version": r.version,
            "entry_point": r.value,
            "state": "blocked"
            if r.blocked
            else "error"
            if r.error
            else "loaded"
            if project.plugins.manager.has_plugin(r.name)
            else "not loaded",
            "error": r.error,
            "migrations": counts[r.name],
        }
        for r in records
    ]
    if as_json:
        print_json({"plugins": rows, "problems": project.problems})
        return
    if not rows:
        console.print("No packs installed (entry-point group kuzu_memory.migrations).")
        return
    table = Table(title="Installed packs", title_justify="left")
    for column in ("plugin", "distribution", "version", "state", "migrations"):
        table.add_column(column)
    for row in rows:
        state = row["state"]
        style = {"loaded": "green", "blocked": "yellow", "error": "red"}.get(str(state), "dim")
        table.add_row(
            str(row["name"]),
            str(row["distribution"] or "-"),
            str(row["version"] or "-"),
            f"[{style}]{state}[/]",
            str(row["migrations"]),
        )
    console.print(table)
    problems(project.problems)
