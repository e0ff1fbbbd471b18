"""schema_columns_v1.8.1: every other column 1.12 has on Memory and ArchivedMemory.

Why: 1.8.1 onwards stores `embedding FLOAT[384]` (semantic recall) and `source_speaker`;
1.12's queries name them. Any column missing from either table is added with 1.12's default,
so this also repairs a database whose earlier column migrations were recorded elsewhere.

legacy_names: none; the name is 1.12.11's own `schema_columns_v1.8.1`.
"""

from __future__ import annotations

from typing import ClassVar

from ._schema import ARCHIVED_MEMORY_COLUMNS, MEMORY_COLUMNS, AddColumnsMigration

_OWNED_ELSEWHERE = {"knowledge_type", "project_tag"}
"""Added by knowledge_type_v1.6.45 / project_tag_v1.6.46, which run first."""


class SchemaColumnsMigration(AddColumnsMigration):
    """Add every missing Memory / ArchivedMemory column of the 1.12 schema, with its default."""

    name = "schema_columns_v1.8.1"
    from_version = "1.8.1"
    priority = 60
    columns: ClassVar[tuple[tuple[str, str, str], ...]] = tuple(
        (table, column, declaration)
        for table, spec in (("Memory", MEMORY_COLUMNS), ("ArchivedMemory", ARCHIVED_MEMORY_COLUMNS))
        for column, declaration in spec
        if column != "id"
    )

    def missing(self) -> list[tuple[str, str, str]]:
        found = super().missing()
        if self.context.dry_run:
            # The two earlier migrations only showed their ALTERs: do not show them twice.
            found = [m for m in found if m[1] not in _OWNED_ELSEWHERE]
        return found
