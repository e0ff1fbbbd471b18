"""project_tag_v1.6.46: Memory (and ArchivedMemory) get `project_tag`, default ''.

Why: 1.6.46 tags memories with the project they belong to; 1.12 filters on the column, and a
query naming a missing column fails outright.

legacy_names: none; the name is 1.12.11's own `project_tag_v1.6.46`.
"""

from __future__ import annotations

from ._schema import AddColumnsMigration


class ProjectTagMigration(AddColumnsMigration):
    """Add Memory.project_tag (default '') and the same on ArchivedMemory if present."""

    name = "project_tag_v1.6.46"
    from_version = "1.6.46"
    priority = 50
    columns = (
        ("Memory", "project_tag", "STRING DEFAULT ''"),
        ("ArchivedMemory", "project_tag", "STRING DEFAULT ''"),
    )
