"""Build realistic kuzu-memory projects of released versions, for tests and the demo.

Every shape here was measured against the released packages (kuzu-memory 1.6.32 and 1.12.11,
kuzu 0.11.3); ``docs/reference/kuzu-memory-facts.md`` records the commands and their output.
Migrations are only worth as much as the projects they are tested on, so these builders
reproduce what a real ``kuzu-memory init`` + ``kuzu-memory install claude-code`` leaves behind:
the database schema statement for statement, the config file byte for byte (paths aside) and
the Claude Code hooks in the nested shape kuzu-memory writes.

Only the standard library is imported here; the engine (Kuzu, or LadybugDB for
``engine="ladybug"``) is imported inside the functions that touch a database, through the
framework's database module, so importing this module (say, from a pytest plugin) costs
nothing. Each database is read with the engine its file says.
"""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_EXECUTABLE",
    "SCHEMA_1_6",
    "SCHEMA_1_12",
    "SCHEMA_VERSION_ROW",
    "USER_HOOK_COMMAND",
    "build_flat_hooks_settings",
    "build_project_1_6",
    "build_project_1_12",
    "held_open",
    "hooks_settings_1_6",
    "hooks_settings_1_12",
    "memory_rows",
    "populate_1_12",
    "table_columns",
    "table_names",
    "vector_indexes",
]

# ---------------------------------------------------------------------------------------------
# Database schemas (verbatim from kuzu_memory/storage/schema.py of each release)
# ---------------------------------------------------------------------------------------------

_SCHEMA_VERSION_DDL = """CREATE NODE TABLE IF NOT EXISTS SchemaVersion (
    version STRING PRIMARY KEY,
    created_at TIMESTAMP,
    description STRING
)"""

_ENTITY_DDL = """CREATE NODE TABLE IF NOT EXISTS Entity (
    id STRING PRIMARY KEY,
    name STRING,
    entity_type STRING,
    normalized_name STRING,
    first_seen TIMESTAMP,
    last_seen TIMESTAMP,
    mention_count INT32 DEFAULT 1,
    confidence FLOAT DEFAULT 1.0
)"""

_SESSION_DDL = """CREATE NODE TABLE IF NOT EXISTS Session (
    id STRING PRIMARY KEY,
    user_id STRING,
    agent_id STRING DEFAULT 'default',
    created_at TIMESTAMP,
    last_activity TIMESTAMP,
    memory_count INT32 DEFAULT 0,
    metadata STRING DEFAULT '{}'
)"""

_MENTIONS_DDL = """CREATE REL TABLE IF NOT EXISTS MENTIONS (
    FROM Memory TO Entity,
    confidence FLOAT DEFAULT 1.0,
    position_start INT32,
    position_end INT32,
    extraction_method STRING DEFAULT 'pattern'
)"""

_BELONGS_TO_SESSION_DDL = """CREATE REL TABLE IF NOT EXISTS BELONGS_TO_SESSION (
    FROM Memory TO Session,
    created_at TIMESTAMP
)"""

_CO_OCCURS_WITH_DDL = """CREATE REL TABLE IF NOT EXISTS CO_OCCURS_WITH (
    FROM Entity TO Entity,
    co_occurrence_count INT32 DEFAULT 1,
    last_co_occurrence TIMESTAMP
)"""

SCHEMA_1_6: tuple[str, ...] = (
    _SCHEMA_VERSION_DDL,
    """CREATE NODE TABLE IF NOT EXISTS Memory (
    id STRING PRIMARY KEY,
    content STRING,
    content_hash STRING,
    created_at TIMESTAMP,
    valid_from TIMESTAMP,
    valid_to TIMESTAMP,
    accessed_at TIMESTAMP,
    access_count INT32 DEFAULT 0,
    memory_type STRING,
    importance FLOAT DEFAULT 0.5,
    confidence FLOAT DEFAULT 1.0,
    source_type STRING DEFAULT 'conversation',
    agent_id STRING DEFAULT 'default',
    user_id STRING,
    session_id STRING,
    metadata STRING DEFAULT '{}'
)""",
    _ENTITY_DDL,
    _SESSION_DDL,
    _MENTIONS_DDL,
    """CREATE REL TABLE IF NOT EXISTS RELATES_TO (
    FROM Memory TO Memory,
    relationship_type STRING,
    strength FLOAT DEFAULT 1.0,
    created_at TIMESTAMP
)""",
    _BELONGS_TO_SESSION_DDL,
    _CO_OCCURS_WITH_DDL,
)
"""What kuzu-memory 1.6.32 runs on a new database: 8 tables, no index beyond primary keys."""

SCHEMA_1_12: tuple[str, ...] = (
    _SCHEMA_VERSION_DDL,
    """CREATE NODE TABLE IF NOT EXISTS Memory (
    id STRING PRIMARY KEY,
    content STRING,
    content_hash STRING,
    created_at TIMESTAMP,
    valid_from TIMESTAMP,
    valid_to TIMESTAMP,
    accessed_at TIMESTAMP,
    access_count INT32 DEFAULT 0,
    memory_type STRING,
    knowledge_type STRING DEFAULT 'note',
    project_tag STRING DEFAULT '',
    importance FLOAT DEFAULT 0.5,
    confidence FLOAT DEFAULT 1.0,
    source_type STRING DEFAULT 'conversation',
    agent_id STRING DEFAULT 'default',
    user_id STRING,
    session_id STRING,
    metadata STRING DEFAULT '{}',
    embedding FLOAT[384],
    source_speaker STRING DEFAULT 'user'
)""",
    _ENTITY_DDL,
    _SESSION_DDL,
    _MENTIONS_DDL,
    """CREATE REL TABLE IF NOT EXISTS RELATES_TO (
    FROM Memory TO Memory,
    relationship_type STRING DEFAULT 'shared_entity',
    strength FLOAT DEFAULT 1.0,
    weight FLOAT DEFAULT 1.0,
    created_at TIMESTAMP
)""",
    _BELONGS_TO_SESSION_DDL,
    _CO_OCCURS_WITH_DDL,
    """CREATE REL TABLE IF NOT EXISTS CONSOLIDATED_INTO (
    FROM Memory TO Memory,
    consolidation_date TIMESTAMP,
    cluster_id STRING,
    similarity_score FLOAT
)""",
    """CREATE NODE TABLE IF NOT EXISTS Keyword (
  word STRING,
  idf FLOAT DEFAULT 0.0,
  total_mentions INT64 DEFAULT 0,
  PRIMARY KEY (word)
)""",
    """CREATE REL TABLE IF NOT EXISTS HAS_KEYWORD (
  FROM Memory TO Keyword,
  tf FLOAT DEFAULT 0.0,
  tfidf FLOAT DEFAULT 0.0
)""",
    """CREATE NODE TABLE IF NOT EXISTS ArchivedMemory (
    id STRING PRIMARY KEY,
    original_id STRING,
    content STRING,
    memory_type STRING,
    knowledge_type STRING DEFAULT 'note',
    project_tag STRING DEFAULT '',
    source_type STRING,
    importance FLOAT,
    created_at TIMESTAMP,
    archived_at TIMESTAMP,
    prune_score FLOAT,
    prune_reason STRING,
    expires_at TIMESTAMP
)""",
    'CALL CREATE_VECTOR_INDEX("Memory", "memory_hnsw_idx", "embedding")',
    # KuzuAdapter._run_schema_migrations() runs right after the DDL on every open and adds
    # these two columns, missing from the ArchivedMemory DDL, to every new 1.12.11 database.
    "ALTER TABLE ArchivedMemory ADD content_hash STRING DEFAULT ''",
    "ALTER TABLE ArchivedMemory ADD confidence FLOAT DEFAULT 1.0",
)
"""What a new kuzu-memory 1.12.11 database holds: 12 tables and the HNSW index
``memory_hnsw_idx`` on ``Memory.embedding`` (never DROP a Memory column on it: see the facts)."""

SCHEMA_VERSION_ROW: dict[str, str] = {
    "version": "1.0",
    "description": "Initial KuzuMemory schema with memory, entity, and session tracking",
}
"""The one SchemaVersion row both releases insert (``created_at`` stays NULL); it never changes."""

# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------

DEFAULT_EXECUTABLE = "/home/dev/.local/bin/kuzu-memory"
"""Stands in for the absolute path of the ``kuzu-memory`` that ran ``install claude-code``."""

USER_HOOK_COMMAND = "npx prettier --write --ignore-unknown"
"""The command of the unrelated user hook: every migration must leave it as it is."""

_USER_HOOK_GROUP: dict[str, Any] = {
    "matcher": "Edit|Write",
    "hooks": [{"type": "command", "command": USER_HOOK_COMMAND}],
}

_GIT_USER = "dev@example.com"
_RETENTION = timedelta(days=30)  # episodic memories: valid_to = created_at + 30 days


def _start_time(count: int, now: datetime | None) -> datetime:
    """When the first memory was stored: ``count`` minutes before ``now``.

    Rows must lie within the 30-day retention, or kuzu-memory 1.12.11's start-up data
    maintenance purges them as expired before anything else looks at them.
    """
    current = now if now is not None else datetime.now().replace(microsecond=0)
    return current - timedelta(minutes=count)


_CLI_CONTENTS = (
    "This project uses FastAPI with PostgreSQL for the backend",
    "Always run pytest before committing changes",
    "The deployment target is Kubernetes on AWS",
    "API errors are returned as RFC 7807 problem+json documents",
    "We prefer dataclasses over plain dicts for internal records",
    "Database migrations are written with Alembic",
)
_KNOWLEDGE_TYPES_1_12 = ("note", "convention", "rule")

_GITIGNORE = "# KuzuMemory temporary files\n*.tmp\n*.log\n.DS_Store\n"

_CONFIG_YAML = """\
# KuzuMemory Project Configuration
# Generated by Claude Hooks Installer

version: "1.0"
debug: false
log_level: "INFO"

# Database location (project-specific)
database:
  path: {database_dir}

# Storage configuration
storage:
  max_size_mb: 50.0
  auto_compact: true
  backup_on_corruption: true
  connection_pool_size: 5
  query_timeout_ms: 5000

# Memory recall configuration
recall:
  max_memories: 10
  default_strategy: "auto"
  strategies:
    - "keyword"
    - "entity"
    - "temporal"
  strategy_weights:
    keyword: 0.4
    entity: 0.4
    temporal: 0.2
  min_confidence_threshold: 0.1
  enable_caching: true
  cache_size: 1000
  cache_ttl_seconds: 300

# Memory extraction configuration
extraction:
  min_memory_length: 5
  max_memory_length: 1000
  enable_entity_extraction: true
  enable_pattern_compilation: true
  enable_nlp_classification: true

# Performance monitoring
performance:
  max_recall_time_ms: 200.0
  max_generation_time_ms: 1000.0
  enable_performance_monitoring: true
  log_slow_operations: true
  enable_metrics_collection: false

# Memory retention
retention:
  enable_auto_cleanup: true
  cleanup_interval_hours: 24
  max_total_memories: 100000
  cleanup_batch_size: 1000
"""

_README = """\
# 🧠 Project Memories - {name}

This directory contains the KuzuMemory database for the **{name}** project.

## 📁 What's Here

- **`memories.db`** - Kuzu graph database containing project memories
- **`project_info.md`** - Project context and documentation
- **`.gitignore`** - Git ignore rules for temporary files

---

**This directory is managed by KuzuMemory v1.0.0**
Generated on: 1756719000.123456
"""

_PROJECT_INFO = """\
# 📋 Project Information - {name}

This file contains structured information about the project that helps KuzuMemory provide \
better context.

## 🏗️ Project Overview

**Project Name**: {name}
**Type**: [Web App / API / Library / CLI Tool / etc.]
"""

_CLAUDE_MD = """\
# Project Memory Configuration

This project uses KuzuMemory for intelligent context management.

## Project Information
- **Path**: {root}
- **Language**: Unknown
- **Framework**: Unknown

---

*Generated by KuzuMemory Claude Hooks Installer*
"""

_WRAPPER_SH = """\
#!/bin/bash
# KuzuMemory wrapper for Claude integration

set -e

# Ensure we're in the project directory
cd "$(dirname "$0")/.."

# Execute kuzu-memory with all arguments
exec {executable} "$@"
"""

_OLD_LOG = (
    "2025-09-01 09:31:02,417 [INFO] Enhancing prompt (42 chars)\n"
    "2025-09-01 09:31:02,611 [INFO] Added 3 memories to context\n"
)


def hooks_settings_1_6(executable: str = DEFAULT_EXECUTABLE) -> dict[str, Any]:
    """Return ``.claude/settings.local.json`` exactly as 1.6.32 writes it (no ``async`` keys)."""
    return _nested_hooks("1.6.32", executable, async_events=())


def hooks_settings_1_12(executable: str = DEFAULT_EXECUTABLE) -> dict[str, Any]:
    """Return ``.claude/settings.local.json`` as 1.12.11 writes it: SessionStart and
    PostToolUse marked ``"async": true`` (UserPromptSubmit stays synchronous)."""
    return _nested_hooks("1.12.11", executable, async_events=("SessionStart", "PostToolUse"))


def _nested_hooks(version: str, executable: str, async_events: Sequence[str]) -> dict[str, Any]:
    events = (
        ("SessionStart", "session-start"),
        ("UserPromptSubmit", "enhance"),
        ("PostToolUse", "learn"),
    )
    hooks: dict[str, Any] = {}
    for event, subcommand in events:
        hook: dict[str, Any] = {"type": "command", "command": f"{executable} hooks {subcommand}"}
        if event in async_events:
            hook["async"] = True
        hooks[event] = [{"matcher": "*", "hooks": [hook]}]
    return {
        "_comment": f"Generated by KuzuMemory v{version} - Claude Code hooks configuration",
        "hooks": hooks,
    }


def build_flat_hooks_settings(path: Path, *, with_user_hook: bool = True) -> Path:
    """Write a Claude settings file in the older flat shape (``event -> [{"command": ...}]``).

    This is the shape kuzu-memory's built-in ``bash_hooks_v1.7.0`` migration looks for, so
    hooks migrations must keep handling it next to the nested one. Returns ``path``.
    """
    hooks: dict[str, list[dict[str, Any]]] = {
        "SessionStart": [{"command": "kuzu-memory hooks session-start"}],
        "UserPromptSubmit": [{"command": "kuzu-memory hooks enhance"}],
        "PostToolUse": [{"command": "kuzu-memory hooks learn"}],
    }
    if with_user_hook:
        hooks["PostToolUse"].append({"command": USER_HOOK_COMMAND})
    _write_json(path, {"hooks": hooks})
    return path


# ---------------------------------------------------------------------------------------------
# Projects
# ---------------------------------------------------------------------------------------------


def build_project_1_6(
    root: Path,
    *,
    memories: int = 3,
    with_user_hook: bool = True,
    executable: str = DEFAULT_EXECUTABLE,
    now: datetime | None = None,
    claude_json: Path | None = None,
) -> Path:
    """Lay out what kuzu-memory 1.6.32 ``init`` + ``install claude-code`` leave in ``root``.

    The database lives in ``kuzu-memories/`` (the old location) while ``install`` already
    created ``.kuzu-memory/config.yaml`` whose ``database.path`` names that old folder. The
    first row is the memory ``init`` stores; the others are ``memory store`` rows. Real 1.6.32
    leaves ``content_hash`` NULL on every row; here rows cycle through NULL, ``''`` and a
    filled hash so a back-fill both has work and must leave filled values alone. A
    ``.kuzu-memory/logs/`` folder from older releases is added for the log clean-up.
    Rows are stored one minute apart, ending at ``now`` (default: the current time), so they
    are still within their 30-day ``valid_to``; ids are stable for a given ``root``.
    With ``claude_json`` (the user's ``~/.claude.json``; opt-in, as it is outside the
    project) the project's MCP server entry is added there as 1.6.32 writes it, other
    entries kept. Returns the path of ``memories.db``.
    """
    root = root.resolve()
    data_dir = root / "kuzu-memories"
    if claude_json is not None:
        _register_mcp_server_1_6(claude_json, root, data_dir)
    _write_memories_folder(data_dir, root.name)
    db_path = data_dir / "memories.db"
    _create_database(db_path, SCHEMA_1_6, _rows_1_6(root, memories, now))

    config_dir = root / ".kuzu-memory"
    _write_text(config_dir / "config.yaml", _CONFIG_YAML.format(database_dir=data_dir))
    _write_text(config_dir / "logs" / "kuzu_enhance.log", _OLD_LOG)

    settings = hooks_settings_1_6(executable)
    if with_user_hook:
        settings["hooks"]["PostToolUse"].append(json.loads(json.dumps(_USER_HOOK_GROUP)))
    _write_claude_files(root, settings, executable)
    return db_path


def build_project_1_12(
    root: Path,
    *,
    memories: int = 3,
    executable: str = DEFAULT_EXECUTABLE,
    now: datetime | None = None,
    engine: str = "kuzu",
) -> Path:
    """Lay out what kuzu-memory 1.12.11 ``init`` + ``install claude-code`` leave in ``root``.

    Everything sits in ``.kuzu-memory/``; every row has its ``content_hash`` and the 1.12
    columns; embeddings are NULL as they are without the optional embedding model. A fresh
    1.12.11 project has no ``migration_state.json``. Timestamps and ids as in
    :func:`build_project_1_6`. With ``engine="ladybug"`` the database is a LadybugDB one,
    as kuzu-memory's code makes it on LadybugDB: without the vector index, which needs
    LadybugDB's VECTOR extension. Returns the path of ``memories.db``.
    """
    root = root.resolve()
    data_dir = root / ".kuzu-memory"
    _write_memories_folder(data_dir, root.name)
    db_path = data_dir / "memories.db"
    schema = SCHEMA_1_12
    if engine != "kuzu":
        schema = tuple(s for s in SCHEMA_1_12 if "CREATE_VECTOR_INDEX" not in s)
    _create_database(db_path, schema, _rows_1_12(root, memories, now), engine=engine)
    _write_text(data_dir / "config.yaml", _CONFIG_YAML.format(database_dir=data_dir))
    _write_claude_files(root, hooks_settings_1_12(executable), executable)
    return db_path


def _write_memories_folder(data_dir: Path, name: str) -> None:
    _write_text(data_dir / ".gitignore", _GITIGNORE)
    _write_text(data_dir / "README.md", _README.format(name=name))
    _write_text(data_dir / "project_info.md", _PROJECT_INFO.format(name=name))


def _write_claude_files(root: Path, settings: dict[str, Any], executable: str) -> None:
    """Write what ``install claude-code`` writes in the project (``~/.claude.json`` aside)."""
    claude = root / ".claude"
    _write_json(claude / "settings.local.json", settings)
    _write_json(
        claude / "mcp.local.json",
        {
            "mcpServers": {
                "kuzu-memory": {
                    "type": "stdio",
                    "command": executable,
                    "args": ["mcp"],
                    "env": {"KUZU_MEMORY_PROJECT": str(root)},
                }
            }
        },
    )
    wrapper = claude / "kuzu-memory.sh"
    _write_text(wrapper, _WRAPPER_SH.format(executable=executable))
    wrapper.chmod(0o755)
    _write_text(root / "CLAUDE.md", _CLAUDE_MD.format(root=root))
    _write_json(
        root / ".claude-mpm" / "config.json",
        {
            "version": "1.0",
            "memory": {
                "provider": "kuzu-memory",
                "auto_enhance": True,
                "async_learning": True,
                "project_root": str(root),
            },
            "hooks": {
                "pre_response": [f"{executable} enhance"],
                "post_response": [f"{executable} learn --quiet"],
            },
            "settings": {
                "max_context_size": 5,
                "similarity_threshold": 0.7,
                "temporal_decay": True,
            },
        },
    )


def _register_mcp_server_1_6(claude_json: Path, root: Path, data_dir: Path) -> None:
    """1.6.32's entry in ``~/.claude.json``: ``KUZU_MEMORY_DB`` names the old folder."""
    settings = json.loads(claude_json.read_text()) if claude_json.exists() else {}
    settings.setdefault("projects", {})[str(root)] = {
        "mcpServers": {
            "kuzu-memory": {
                "type": "stdio",
                "command": "kuzu-memory",
                "args": ["mcp"],
                "env": {"KUZU_MEMORY_PROJECT_ROOT": str(root), "KUZU_MEMORY_DB": str(data_dir)},
            }
        }
    }
    _write_text(claude_json, json.dumps(settings, indent=2))


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _write_json(path: Path, data: object) -> None:
    # kuzu-memory writes indent=2 without a trailing newline.
    _write_text(path, json.dumps(data, indent=2))


# ---------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------


def _normalized_hash(content: str) -> str:
    """The hash kuzu-memory's model computes when it stores a memory (lower-cased, stripped)."""
    return hashlib.sha256(content.lower().strip().encode("utf-8")).hexdigest()


def _memory_id(root: Path, index: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{root}#memory-{index}"))


def _contents(root: Path, count: int) -> list[tuple[str, str]]:
    """(content, source_type) pairs: the init memory first, then ``memory store`` texts."""
    pairs = [(f"Project {root.name} initialized at {root}", "project-initialization")]
    for index in range(1, count):
        text = _CLI_CONTENTS[(index - 1) % len(_CLI_CONTENTS)]
        if index > len(_CLI_CONTENTS):
            text = f"{text} (note {index})"
        pairs.append((text, "cli"))
    return pairs[:count]


def _metadata(root: Path, source_type: str, created: datetime, data_dir: Path) -> str:
    if source_type == "project-initialization":
        return json.dumps(
            {
                "type": "project-context",
                "auto-generated": True,
                "project_name": root.name,
                "project_root": str(root),
                "memories_dir": str(data_dir),
                "db_path": str(data_dir / "memories.db"),
                "memories_exist": True,
                "db_exists": True,
                "is_git_repo": True,
                "should_commit": True,
                "db_size_mb": 0.00390625,
            }
        )
    stamp = (created - timedelta(milliseconds=75)).isoformat()
    return json.dumps({"cli_timestamp": stamp, "session_id": None, "agent_id": "cli"})


def _rows_1_6(root: Path, count: int, now: datetime | None) -> list[dict[str, Any]]:
    start = _start_time(count, now)
    rows: list[dict[str, Any]] = []
    for index, (content, source_type) in enumerate(_contents(root, count)):
        created = start + timedelta(minutes=index, microseconds=7611)
        content_hash = (None, "", _normalized_hash(content))[index % 3]
        rows.append(
            {
                "id": _memory_id(root, index),
                "content": content,
                "content_hash": content_hash,
                "created_at": created,
                "valid_from": None,
                "valid_to": created + _RETENTION,
                "accessed_at": None,
                "access_count": 0,
                "memory_type": "episodic",
                "importance": 0.5,
                "confidence": 1.0,
                "source_type": source_type,
                "agent_id": "cli" if source_type == "cli" else "default",
                "user_id": _GIT_USER,
                "session_id": None,
                "metadata": _metadata(root, source_type, created, root / "kuzu-memories"),
            }
        )
    return rows


def _rows_1_12(root: Path, count: int, now: datetime | None) -> list[dict[str, Any]]:
    start = _start_time(count, now)
    rows: list[dict[str, Any]] = []
    for index, (content, source_type) in enumerate(_contents(root, count)):
        created = start + timedelta(minutes=index, microseconds=7611)
        rows.append(
            {
                "id": _memory_id(root, index),
                "content": content,
                "content_hash": _normalized_hash(content),
                "created_at": created,
                "valid_from": created + timedelta(microseconds=90),
                "valid_to": created + _RETENTION,
                "accessed_at": created + timedelta(microseconds=92),
                "access_count": 0,
                "memory_type": "episodic",
                "knowledge_type": _KNOWLEDGE_TYPES_1_12[index % len(_KNOWLEDGE_TYPES_1_12)],
                "project_tag": "",
                "importance": 0.8,
                "confidence": 1.0,
                "source_type": source_type,
                "agent_id": "cli" if source_type == "cli" else "default",
                "user_id": _GIT_USER,
                "session_id": None,
                "metadata": _metadata(root, source_type, created, root / ".kuzu-memory"),
                "source_speaker": "user",
            }
        )
    return rows


# ---------------------------------------------------------------------------------------------
# A large graph
# ---------------------------------------------------------------------------------------------

_TEXTS = (
    "naïve café au lait",
    "日本語のメモ",
    "emoji 🧠🚀",
    "Straße ẞ",
    "a\u0301 combining",
    "tab\tand\nnewline",
    "quote ' and \" and \\ backslash",
    "",
    "RTL עברית العربية",
    "zero\u200bwidth",
)
"""Text a memory can hold that a careless copy mangles."""
_BATCH = 20_000


def _every(index: int, period: int, value: Any) -> Any:
    """``value``, or NULL for one index in ``period`` (every nullable column gets NULLs)."""
    return None if index % period == period - 1 else value


def _graph_rows(
    count: int, *, embedded: float, seed: int, now: datetime
) -> dict[str, tuple[list[str], list[dict[str, Any]]]]:
    """Table -> (its columns as COPY takes them, rows) for ``populate_1_12``."""
    rng = random.Random(seed)
    prefix = f"gen{seed}"
    entities, sessions = max(count // 10, 1), max(count // 100, 1)
    keywords, archived = max(count // 20, 1), max(count // 50, 1)
    memory_ids = [f"{prefix}-memory-{i:07d}" for i in range(count)]
    stamp = [now - timedelta(minutes=count - i, microseconds=i % 999_983) for i in range(count)]

    def vector() -> list[float]:
        return [rng.uniform(-1.0, 1.0) for _ in range(384)]

    memory = [
        {
            "id": memory_ids[i],
            "content": f"{_TEXTS[i % len(_TEXTS)]} memory #{i}",
            "content_hash": _every(i, 17, f"{i:064x}"),
            "created_at": stamp[i],
            "valid_from": _every(i, 5, stamp[i] + timedelta(microseconds=90)),
            "valid_to": _every(i, 7, stamp[i] + _RETENTION),
            "accessed_at": _every(i, 3, stamp[i]),
            "access_count": rng.randrange(50),
            "memory_type": ("episodic", "semantic", "procedural")[i % 3],
            "knowledge_type": _KNOWLEDGE_TYPES_1_12[i % 3],
            "project_tag": "" if i % 2 else "projet-ü",
            "importance": rng.random(),
            "confidence": _every(i, 11, rng.random()),
            "source_type": "cli" if i % 2 else "conversation",
            "agent_id": "cli" if i % 2 else "default",
            "user_id": _every(i, 4, _GIT_USER),
            "session_id": _every(i, 2, f"{prefix}-session-{i % sessions:05d}"),
            "metadata": json.dumps({"n": i, "tag": "é"}),
            "embedding": vector() if rng.random() < embedded else None,
            "source_speaker": "user" if i % 4 else "assistant",
        }
        for i in range(count)
    ]
    entity_ids = [f"{prefix}-entity-{i:06d}" for i in range(entities)]
    keyword_words = [f"{prefix}-kw{i}-ñ" for i in range(keywords)]
    return {
        "Memory": (list(memory[0]), memory),
        "Entity": (
            [
                *("id", "name", "entity_type", "normalized_name", "first_seen", "last_seen"),
                *("mention_count", "confidence"),
            ],
            [
                {
                    "id": entity_ids[i],
                    "name": f"Entity {_TEXTS[i % len(_TEXTS)]} {i}",
                    "entity_type": ("tech", "person", "project")[i % 3],
                    "normalized_name": _every(i, 9, f"entity {i}"),
                    "first_seen": stamp[i % count],
                    "last_seen": _every(i, 4, stamp[i % count] + timedelta(seconds=1)),
                    "mention_count": rng.randrange(1, 100),
                    "confidence": rng.random(),
                }
                for i in range(entities)
            ],
        ),
        "Session": (
            [
                *("id", "user_id", "agent_id", "created_at", "last_activity", "memory_count"),
                "metadata",
            ],
            [
                {
                    "id": f"{prefix}-session-{i:05d}",
                    "user_id": _every(i, 2, "u"),
                    "agent_id": "default",
                    "created_at": stamp[i % count],
                    "last_activity": _every(i, 3, stamp[i % count]),
                    "memory_count": rng.randrange(9),
                    "metadata": "{}",
                }
                for i in range(sessions)
            ],
        ),
        "Keyword": (
            ["word", "idf", "total_mentions"],
            [
                {"word": word, "idf": rng.random(), "total_mentions": rng.randrange(10**12)}
                for word in keyword_words
            ],
        ),
        "ArchivedMemory": (
            [
                *("id", "original_id", "content", "memory_type", "knowledge_type"),
                *("project_tag", "source_type", "importance", "created_at", "archived_at"),
                *("prune_score", "prune_reason", "expires_at", "content_hash", "confidence"),
            ],
            [
                {
                    "id": f"{prefix}-archive-{i:06d}",
                    "original_id": f"{prefix}-old-{i}",
                    "content": f"archived {_TEXTS[i % len(_TEXTS)]}",
                    "memory_type": "episodic",
                    "knowledge_type": "note",
                    "project_tag": "",
                    "source_type": _every(i, 2, "cli"),
                    "importance": _every(i, 3, rng.random()),
                    "created_at": stamp[i % count],
                    "archived_at": stamp[i % count] + timedelta(days=1),
                    "prune_score": rng.random(),
                    "prune_reason": "Expired",
                    "expires_at": _every(i, 2, stamp[i % count] + _RETENTION),
                    "content_hash": f"h-{i}",
                    "confidence": 0.25,
                }
                for i in range(archived)
            ],
        ),
        "MENTIONS": (
            ["from", "to", "confidence", "position_start", "position_end", "extraction_method"],
            [
                {
                    "from": memory_ids[i],
                    "to": entity_ids[(i * 7 + k) % entities],
                    "confidence": rng.random(),
                    "position_start": _every(i, 5, k * 10),
                    "position_end": k * 10 + 3,
                    "extraction_method": "pattern" if (i + k) % 3 else "nlp",
                }
                for i in range(count)
                for k in (0, 1)
            ],
        ),
        "RELATES_TO": (
            ["from", "to", "relationship_type", "strength", "weight", "created_at"],
            [
                {
                    "from": memory_ids[i],
                    "to": memory_ids[(i * 31 + 1) % count],
                    "relationship_type": "shared_entity" if i % 2 else "temporal",
                    "strength": rng.random(),
                    "weight": rng.random(),
                    "created_at": _every(i, 6, stamp[i]),
                }
                for i in range(count)
            ],
        ),
        "BELONGS_TO_SESSION": (
            ["from", "to", "created_at"],
            [
                {"from": memory_ids[i], "to": f"{prefix}-session-{i % sessions:05d}"}
                | {"created_at": stamp[i]}
                for i in range(count)
            ],
        ),
        "CO_OCCURS_WITH": (
            ["from", "to", "co_occurrence_count", "last_co_occurrence"],
            [
                {
                    "from": entity_ids[i],
                    "to": entity_ids[(i + 1) % entities],
                    "co_occurrence_count": rng.randrange(1, 9),
                    "last_co_occurrence": _every(i, 2, stamp[i % count]),
                }
                for i in range(entities)
            ],
        ),
        "CONSOLIDATED_INTO": (
            ["from", "to", "consolidation_date", "cluster_id", "similarity_score"],
            [
                {
                    "from": memory_ids[i],
                    "to": memory_ids[(i + count // 2) % count],
                    "consolidation_date": stamp[i],
                    "cluster_id": _every(i, 4, f"c{i % 13}"),
                    "similarity_score": rng.random(),
                }
                for i in range(max(count // 10, 1))
            ],
        ),
        "HAS_KEYWORD": (
            ["from", "to", "tf", "tfidf"],
            [
                {
                    "from": memory_ids[i],
                    "to": keyword_words[(i * 3 + k) % keywords],
                    "tf": rng.random(),
                    "tfidf": rng.random(),
                }
                for i in range(count)
                for k in range(3)
            ],
        ),
    }


def populate_1_12(
    db_path: Path, memories: int, *, embedded: float = 0.1, seed: int = 0
) -> dict[str, int]:
    """Add ``memories`` memories to a 1.12 database, with the graph 1.12 builds around them.

    Rows in every table (entities, sessions, keywords, archived memories) and edges in
    every rel table (two MENTIONS, three HAS_KEYWORD, one RELATES_TO and BELONGS_TO_SESSION
    per memory, ...), with NULLs in every nullable column, microsecond timestamps, text
    that careless copies mangle (emoji, combining marks, newlines, quotes) and a share
    ``embedded`` of memories with a FLOAT[384] embedding. Deterministic for a ``seed``;
    ids carry it, so two seeds add to one database. Loaded with COPY, a batch at a time.
    Returns the rows added per table.
    """
    module = _file_engine(db_path)
    tables = _graph_rows(memories, embedded=embedded, seed=seed, now=datetime(2026, 11, 20, 8, 30))
    database = module.Database(str(db_path))
    connection = module.Connection(database)
    try:
        for table, (columns, rows) in tables.items():
            groups = [rows]
            if table == "Memory":  # Kuzu casts every row's list, NULL ones too: two batches
                groups = [[r for r in rows if r["embedding"] is None]]
                groups.append([r for r in rows if r["embedding"] is not None])
            for group in groups:
                names = [c for c in columns if group and (c != "embedding" or group[0][c])]
                own = [c for c in names if c not in ("from", "to")]
                values = ", ".join(
                    "CAST(r.embedding AS FLOAT[384])" if c == "embedding" else f"r.`{c}`"
                    for c in names
                )
                listed = ", ".join(f"`{c}`" for c in own)
                for start in range(0, len(group), _BATCH):
                    batch = [{c: row[c] for c in names} for row in group[start : start + _BATCH]]
                    connection.execute(
                        f"COPY `{table}` ({listed}) FROM (UNWIND $rows AS r RETURN {values})",
                        {"rows": batch},
                    )
    finally:
        connection.close()
        database.close()
    return {table: len(rows) for table, (_, rows) in tables.items()}


# ---------------------------------------------------------------------------------------------
# Database access (the engine imported lazily)
# ---------------------------------------------------------------------------------------------


def _engine_module(name: str) -> Any:
    from ..engine.database import engine_named, load

    return load(engine_named(name))


def _file_engine(db_path: Path) -> Any:
    from ..engine.database import DEFAULT_ENGINE, file_engine, load

    return load(file_engine(db_path) or DEFAULT_ENGINE)


def _create_database(
    db_path: Path, schema: Iterable[str], rows: Sequence[dict[str, Any]], *, engine: str = "kuzu"
) -> None:
    """Create ``db_path`` with ``schema``, the SchemaVersion row and ``rows`` as Memory nodes."""
    module = _engine_module(engine)
    if db_path.exists():
        raise FileExistsError(f"refusing to overwrite an existing database: {db_path}")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    database = module.Database(str(db_path))
    connection = module.Connection(database)
    try:
        for statement in schema:
            connection.execute(statement)
        connection.execute(
            "CREATE (sv:SchemaVersion {version: $version, description: $description})",
            dict(SCHEMA_VERSION_ROW),
        )
        for row in rows:
            assignments = ", ".join(f"{key}: ${key}" for key in row)
            connection.execute(f"CREATE (m:Memory {{{assignments}}})", row)
    finally:
        connection.close()
        database.close()


def _query(db_path: Path, statement: str) -> list[list[Any]]:
    if not db_path.exists():
        raise FileNotFoundError(f"no database at {db_path}")
    module = _file_engine(db_path)
    database = module.Database(str(db_path), read_only=True)
    connection = module.Connection(database)
    try:
        result = connection.execute(statement)
        if isinstance(result, list):  # several statements: keep the last answer
            result = result[-1]
        rows: list[list[Any]] = []
        while result.has_next():
            row = result.get_next()
            rows.append(list(row.values()) if isinstance(row, dict) else list(row))
        return rows
    finally:
        connection.close()
        database.close()


def memory_rows(db_path: Path) -> list[dict[str, Any]]:
    """Every Memory node's properties (oldest first), to assert what a migration kept."""
    rows = _query(db_path, "MATCH (m:Memory) RETURN m ORDER BY m.created_at, m.id")
    return [
        {key: value for key, value in row[0].items() if not key.startswith("_")} for row in rows
    ]


def table_columns(db_path: Path, table: str) -> list[str]:
    """Column names of ``table`` in definition order (``CALL table_info``)."""
    return [str(row[1]) for row in _query(db_path, f"CALL table_info('{table}') RETURN *")]


def table_names(db_path: Path) -> list[str]:
    """Names of all node and rel tables, sorted."""
    return sorted(str(row[1]) for row in _query(db_path, "CALL show_tables() RETURN *"))


def vector_indexes(db_path: Path) -> list[tuple[str, str]]:
    """(table, index name) of every HNSW vector index: what makes DROP COLUMN unsafe."""
    rows = _query(db_path, "CALL show_indexes() RETURN *")
    return sorted((str(row[0]), str(row[1])) for row in rows if row[2] == "HNSW")


@contextmanager
def held_open(db_path: Path) -> Iterator[Path]:
    """Hold the database open in another process, as kuzu-memory's MCP server does.

    Inside the block, opening it for writing fails with the engine's lock error (for Kuzu,
    reading too): migrations are deferred. The holder uses the engine the file says.
    """
    from ..engine.database import DEFAULT_ENGINE, file_engine

    engine = (file_engine(db_path) or DEFAULT_ENGINE).module
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(db_path), engine],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        if holder.stdout.readline().strip() != "holding":
            raise RuntimeError(f"could not hold {db_path} open in another process")
        yield db_path
    finally:
        holder.communicate(input="")  # end of stdin: the holder closes the database and exits


_HOLD = (
    "import importlib, sys; engine = importlib.import_module(sys.argv[2]);"
    "db = engine.Database(sys.argv[1]); engine.Connection(db);"
    "print('holding', flush=True); sys.stdin.read()"
)
