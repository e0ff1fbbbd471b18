"""knowledge_type_v1.6.45: Memory (and ArchivedMemory) get `knowledge_type`, default 'note'.

Why: 1.6.45 started classifying memories (note, convention, rule, ...); 1.12 reads and
writes the column on every store and recall. Old rows become 'note', as 1.12 does it.

legacy_names: none; the name is 1.12.11's own `knowledge_type_v1.6.45`.
"""

from __future__ import annotations

from ._schema import AddColumnsMigration


class KnowledgeTypeMigration(AddColumnsMigration):
    """Add Memory.knowledge_type (default 'note') and the same on ArchivedMemory if present."""

    name = "knowledge_type_v1.6.45"
    from_version = "1.6.45"
    priority = 50
    columns = (
        ("Memory", "knowledge_type", "STRING DEFAULT 'note'"),
        ("ArchivedMemory", "knowledge_type", "STRING DEFAULT 'note'"),
    )
