"""Archiving a memory the way kuzu-memory 1.12.11 archives one, and putting it back.

Shared by `archive_expired_v1.9.0` (which archives what 1.12.11 would purge) and the
`kuzu-memory-archive` command (which lists and restores). Everything here works through an
`execute(cypher, parameters) -> rows` callable, so a migration passes its own journaled,
dry-run-aware calls and the command a plain database session.

1.12.11's own shapes, for reference (file:line of its installed package):

- The purge: `MATCH (m:Memory) WHERE m.valid_to IS NOT NULL AND m.valid_to <
  TIMESTAMP($now) DELETE m`, `$now = datetime.now().isoformat()` (local time), in
  `migrations/v1_9_0_data_maintenance.py:57-78`, run on every database open by
  `storage/kuzu_adapter.py:349,1109` and by its built-in `data_maintenance_v1.9.0`.
- An archive row: `core/smart_pruning.py:505-537`: id `archive-<memory id>-<int(time.time())>`,
  `original_id`, `content`, `memory_type`, `source_type`, `importance`, `created_at`,
  `archived_at = datetime.now(UTC)`, `expires_at = archived_at + 30 days`, `prune_score`
  (its retention score), `prune_reason = "Smart prune (score=0.123)"`; the other columns keep
  their defaults.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ._layout import MEMORY_DIR
from ._schema import ARCHIVED_MEMORY_COLUMNS

Execute = Callable[[str, "dict[str, Any] | None"], "list[dict[str, Any]]"]
"""Runs one Cypher statement with parameters and returns its rows as dicts."""

RECOVERY_DAYS = 30
"""1.12.11's `ArchiveManager.RECOVERY_DAYS` (core/smart_pruning.py:597): `expires_at`."""

DETAILS_FILE = f"{MEMORY_DIR}/archived_memories.json"
"""What ArchivedMemory has no column for (validity, metadata, ids, edges), per archive id."""
DETAILS_FORMAT = 1

EXPIRED = "m.valid_to IS NOT NULL AND m.valid_to < $now"
"""1.12.11's purge rule (v1_9_0_data_maintenance.py:60-63), `$now` its `datetime.now()`."""

ARCHIVED_FROM_MEMORY = (
    "content",
    "memory_type",
    "knowledge_type",
    "project_tag",
    "source_type",
    "importance",
    "created_at",
    "content_hash",
    "confidence",
)
"""ArchivedMemory columns copied from the Memory row (`original_id` is its id)."""

_TIMESTAMP = "$timestamp"


def purge_time() -> datetime:
    """The `now` 1.12.11 compares `valid_to` with: local time, no zone."""
    return datetime.now()


def content_hash(content: str) -> str:
    """What kuzu-memory 1.12.11 stores for a memory's content (sha256 of lower(strip()))."""
    return hashlib.sha256(content.lower().strip().encode("utf-8")).hexdigest()


def retention_score(row: Mapping[str, Any], now: datetime) -> float:
    """1.12.11's `SmartPruningStrategy` score of a Memory row (core/smart_pruning.py:123-298).

    Age (0.35), size (0.20), access (0.30) and importance (0.15), each 0..1; `now` naive UTC.
    """
    created = row.get("created_at") or now
    age = max(0.0, 1.0 - (now - created).days / 365)
    size = max(0.0, 1.0 - len(row.get("content") or "") / 10_000)
    count = row.get("access_count") or 0
    accessed = row.get("accessed_at")
    recency = max(0.0, 1.0 - (now - accessed).days / 90) if accessed else 0.0
    access = min(1.0, count / 20) * 0.6 + recency * 0.4
    importance = row.get("importance")
    importance = 0.5 if importance is None else float(importance)
    return age * 0.35 + size * 0.20 + access * 0.30 + importance * 0.15


def encode(value: Any) -> Any:
    """A database value as JSON (timestamps tagged, so they come back as timestamps)."""
    if isinstance(value, datetime):
        return {_TIMESTAMP: value.isoformat()}
    if isinstance(value, list):
        return [encode(item) for item in value]
    return value


def plain(value: Any) -> Any:
    """A database value as plain JSON (timestamps as ISO text), for people and scripts."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {_TIMESTAMP}:
        return datetime.fromisoformat(value[_TIMESTAMP])
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


def properties(node_or_rel: Mapping[str, Any]) -> dict[str, Any]:
    """A node's or relationship's own properties (Kuzu adds `_id`, `_label`, ...)."""
    return {key: value for key, value in node_or_rel.items() if not key.startswith("_")}


# -- the schema, as the database has it ----------------------------------------------------


def column_types(execute: Execute, table: str) -> dict[str, str]:
    """Column name -> type of `table`, in definition order."""
    rows = execute(f"CALL table_info('{table}') RETURN *", None)
    return {str(row["name"]): str(row["type"]) for row in rows}


def archived_columns(execute: Execute, tables: Iterable[str]) -> dict[str, str]:
    """ArchivedMemory's columns; 1.12's DDL when the table is still to be created (dry run)."""
    if "ArchivedMemory" in set(tables):
        return column_types(execute, "ArchivedMemory")
    return {name: declaration.split()[0] for name, declaration in ARCHIVED_MEMORY_COLUMNS}


@dataclass(frozen=True)
class Connection:
    """A relationship table touching Memory: its other end, and which way it points."""

    table: str
    direction: str  # "out": (Memory)-[r]->(other); "in": (other)-[r]->(Memory)
    other_table: str
    other_key: str


def memory_connections(execute: Execute) -> list[Connection]:
    """Every (rel table, direction) with Memory at one end; Memory->Memory gives both."""
    found: list[Connection] = []
    for table in execute("CALL show_tables() RETURN *", None):
        if str(table["type"]) != "REL":
            continue
        name = str(table["name"])
        for link in execute(f"CALL show_connection('{name}') RETURN *", None):
            source, target = str(link["source table name"]), str(link["destination table name"])
            if source == "Memory":
                found.append(
                    Connection(name, "out", target, str(link["destination table primary key"]))
                )
            if target == "Memory":
                found.append(Connection(name, "in", source, str(link["source table primary key"])))
    return found


def edges_of(
    execute: Execute, connections: Iterable[Connection], ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """Memory id -> its edges, each as the details file records it."""
    edges: dict[str, list[dict[str, Any]]] = {memory_id: [] for memory_id in ids}
    for link in connections:
        pattern = (
            f"(m:Memory)-[r:{link.table}]->(o:{link.other_table})"
            if link.direction == "out"
            else f"(o:{link.other_table})-[r:{link.table}]->(m:Memory)"
        )
        rows = execute(
            f"UNWIND $ids AS i WITH i MATCH {pattern} WHERE m.id = i "
            f"RETURN m.id AS memory, o.{link.other_key} AS other, r AS r",
            {"ids": ids},
        )
        for row in rows:
            edges[str(row["memory"])].append(
                {
                    "table": link.table,
                    "direction": link.direction,
                    "other_table": link.other_table,
                    "other_key": link.other_key,
                    "other": encode(row["other"]),
                    "properties": {k: encode(v) for k, v in properties(row["r"]).items()},
                }
            )
    return edges


# -- archiving -------------------------------------------------------------------------------


@dataclass
class ArchiveBatch:
    """What archiving one batch of expired Memory rows writes."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    """ArchivedMemory rows, column -> value."""
    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Archive id -> the details file's entry."""
    ids: list[str] = field(default_factory=list)
    """The Memory ids to remove."""
    edge_count: int = 0


def archive_batch(
    memories: list[dict[str, Any]],
    edges: Mapping[str, list[dict[str, Any]]],
    columns: Mapping[str, str],
    archived_at: datetime,
) -> ArchiveBatch:
    """Turn expired Memory rows (their full properties) into archive rows and details.

    `archived_at` is naive UTC, as 1.12.11 writes `datetime.now(UTC)`.
    """
    batch = ArchiveBatch()
    stamp = int(archived_at.replace(tzinfo=UTC).timestamp())
    for memory in memories:
        memory_id = str(memory["id"])
        archive_id = f"archive-{memory_id}-{stamp}"
        valid_to = memory.get("valid_to")
        row: dict[str, Any] = {
            "id": archive_id,
            "original_id": memory_id,
            "archived_at": archived_at,
            "expires_at": archived_at + timedelta(days=RECOVERY_DAYS),
            "prune_score": retention_score(memory, archived_at),
            "prune_reason": (
                f"Expired (valid_to={valid_to:%Y-%m-%d %H:%M:%S})" if valid_to else "Expired"
            ),
        }
        for column in ARCHIVED_FROM_MEMORY:
            if column in memory:
                row[column] = memory[column]
        if not row.get("content_hash") and row.get("content"):
            row["content_hash"] = content_hash(str(row["content"]))
        batch.rows.append({name: row.get(name) for name in columns})  # same fields in all
        kept = {
            key: encode(value)
            for key, value in memory.items()
            if key != "id" and key not in columns
        }
        batch.details[archive_id] = {
            "original_id": memory_id,
            "memory": kept,
            "edges": list(edges.get(memory_id, [])),
        }
        batch.edge_count += len(edges.get(memory_id, []))
        batch.ids.append(memory_id)
    return batch


def insert_archived(columns: Mapping[str, str]) -> str:
    """`UNWIND $rows AS r CREATE (a:ArchivedMemory {...})`, every value cast to its column type.

    The casts matter: Kuzu types a struct field that is NULL in every row of `$rows` as
    STRING, and refuses to assign STRING to a TIMESTAMP ("Implicit cast is not supported").
    """
    fields = ", ".join(f"{name}: CAST(r.{name} AS {kind})" for name, kind in columns.items())
    return f"UNWIND $rows AS r CREATE (a:ArchivedMemory {{{fields}}})"


REMOVE_MEMORIES = "UNWIND $ids AS i WITH i MATCH (m:Memory) WHERE m.id = i DETACH DELETE m"


# -- the details file ------------------------------------------------------------------------


def empty_details() -> dict[str, Any]:
    return {"format": DETAILS_FORMAT, "archives": {}}


def details_entries(data: Mapping[str, Any]) -> dict[str, Any]:
    archives = data.get("archives")
    return dict(archives) if isinstance(archives, dict) else {}


# -- restoring -------------------------------------------------------------------------------


@dataclass
class Restored:
    """One archive entry's fate in a restore."""

    archive_id: str
    memory_id: str | None
    status: str  # "restored" | "skipped" | "missing"
    reason: str
    edges: int = 0


def find_archived(execute: Execute, key: str) -> list[dict[str, Any]]:
    """Archive rows whose id or original_id is `key`."""
    rows = execute(
        "MATCH (a:ArchivedMemory) WHERE a.id = $key OR a.original_id = $key RETURN a",
        {"key": key},
    )
    return [properties(row["a"]) for row in rows]


def all_archived(execute: Execute) -> list[dict[str, Any]]:
    rows = execute("MATCH (a:ArchivedMemory) RETURN a ORDER BY a.archived_at, a.id", None)
    return [properties(row["a"]) for row in rows]


def restore_one(
    execute: Execute,
    archive: Mapping[str, Any],
    detail: Mapping[str, Any] | None,
    memory_columns: Mapping[str, str],
    now: datetime,
) -> Restored:
    """Put one archived memory back into Memory, as 1.12.11 recalls it; remove the archive row.

    The memory gets its original id when that is free, `valid_from = now` and `valid_to`
    NULL (kept until deleted: 1.12.11's purge skips NULL), `accessed_at = now`; everything
    else comes from the archive row and the details file. Its recorded edges are re-created
    where the other end exists. A memory whose id or content hash is active is left archived.
    """
    archive_id = str(archive["id"])
    original = str(archive.get("original_id") or "") or None
    hash_ = archive.get("content_hash") or content_hash(str(archive.get("content") or ""))
    if original and execute(
        "MATCH (m:Memory) WHERE m.id = $id RETURN m.id AS id", {"id": original}
    ):
        return Restored(archive_id, original, "skipped", f"memory {original} is active")
    same = execute(
        "MATCH (m:Memory) WHERE m.content_hash = $h RETURN m.id AS id LIMIT 1", {"h": hash_}
    )
    if same:
        return Restored(
            archive_id, original, "skipped", f"the same content is active as {same[0]['id']}"
        )
    extras = {k: decode(v) for k, v in dict((detail or {}).get("memory", {})).items()}
    values: dict[str, Any] = {**extras}
    values.update({c: archive.get(c) for c in ARCHIVED_FROM_MEMORY if c in archive})
    values.update(
        {
            "id": original or str(uuid.uuid4()),
            "content_hash": hash_,
            "valid_from": now,
            "valid_to": None,
            "accessed_at": now,
            "metadata": _restored_metadata(values.get("metadata"), archive_id, now),
        }
    )
    if values.get("access_count") is None:
        values["access_count"] = 0
    values = {k: v for k, v in values.items() if k in memory_columns and v is not None}
    assignments = ", ".join(f"{name}: CAST(${name} AS {memory_columns[name]})" for name in values)
    execute(f"CREATE (m:Memory {{{assignments}}})", values)
    edges = 0
    for edge in (detail or {}).get("edges", []):
        edges += _recreate_edge(execute, str(values["id"]), edge)
    execute("MATCH (a:ArchivedMemory) WHERE a.id = $id DELETE a", {"id": archive_id})
    return Restored(archive_id, str(values["id"]), "restored", "restored", edges)


def _restored_metadata(metadata: Any, archive_id: str, now: datetime) -> str:
    """The memory's metadata JSON plus where it came back from (as 1.12.11's restore notes)."""
    try:
        data = json.loads(metadata) if isinstance(metadata, str) and metadata else {}
    except json.JSONDecodeError:
        return str(metadata)
    if not isinstance(data, dict):
        return str(metadata)
    data["restored_from"] = archive_id
    data["restored_at"] = now.isoformat()
    return json.dumps(data)


def _recreate_edge(execute: Execute, memory_id: str, edge: Mapping[str, Any]) -> int:
    """Re-create one recorded edge if its other end exists (and it is not there already)."""
    table, other_table = str(edge["table"]), str(edge["other_table"])
    key = str(edge["other_key"])
    props = {str(k): decode(v) for k, v in dict(edge.get("properties", {})).items()}
    props = {k: v for k, v in props.items() if v is not None}
    match = f"MATCH (m:Memory), (o:{other_table}) WHERE m.id = $memory AND o.{key} = $other"
    parameters = {"memory": memory_id, "other": decode(edge["other"])}
    if not execute(f"{match} RETURN o.{key} AS k", parameters):
        return 0  # the other end is gone (or still archived: its own restore links them)

    def pattern(rel: str) -> str:
        return f"(m)-[{rel}]->(o)" if edge["direction"] == "out" else f"(o)-[{rel}]->(m)"

    if execute(f"{match} MATCH {pattern(f'r:{table}')} RETURN count(r) AS n", parameters)[0]["n"]:
        return 0
    types = column_types(execute, table)
    assignments = ", ".join(
        f"{name}: CAST($p_{name} AS {types[name]})" for name in props if name in types
    )
    rel = f"r:{table} {{{assignments}}}" if assignments else f"r:{table}"
    execute(
        f"{match} CREATE {pattern(rel)}",
        {**parameters, **{f"p_{n}": v for n, v in props.items() if n in types}},
    )
    return 1


def now_utc() -> datetime:
    """`datetime.now(UTC)` without the zone, as Kuzu stores 1.12.11's `archived_at`."""
    return datetime.fromtimestamp(time.time(), UTC).replace(tzinfo=None)


__all__ = [
    "ARCHIVED_FROM_MEMORY",
    "DETAILS_FILE",
    "EXPIRED",
    "RECOVERY_DAYS",
    "REMOVE_MEMORIES",
    "ArchiveBatch",
    "Connection",
    "Execute",
    "Restored",
    "all_archived",
    "archive_batch",
    "archived_columns",
    "column_types",
    "content_hash",
    "edges_of",
    "empty_details",
    "find_archived",
    "insert_archived",
    "memory_connections",
    "now_utc",
    "plain",
    "properties",
    "purge_time",
    "restore_one",
    "retention_score",
]
