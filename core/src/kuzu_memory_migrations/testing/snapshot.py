"""What a project holds, file by file, so that tests can say "not one byte changed".

Plain files compare by their bytes. A database (Kuzu or LadybugDB) compares by what it
holds (schema, indexes, every row): an engine rewrites its file on a mere read-write open
and close, so its bytes say nothing about whether a migration left data behind.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Literal

from ..engine.layout import ProjectLayout

Snapshot = dict[str, str]
"""Path (relative to the snapshot's root where inside it) -> a digest of what is there."""


def _is_database(path: Path) -> bool:
    from ..engine.database import ENGINES

    with path.open("rb") as handle:
        return handle.read(4) in {engine.magic for engine in ENGINES.values()}


def database_digest(path: Path, *, framework: bool = False) -> str:
    """A digest of a database's schema, indexes and rows, read without writing a byte.

    The framework's own table (the commit markers) is left out unless `framework` is true.
    A database whose engine cannot be loaded in this process (the other one is) is read
    in a child process, by its content fingerprint.
    """
    from ..engine.conversion import fingerprint_of
    from ..engine.database import MARKER_TABLE, DatabaseSession, can_load, file_engine

    engine = file_engine(path)
    if engine is not None and not can_load(engine):
        found = fingerprint_of(path, engine)
        if not framework:
            found["tables"].pop(MARKER_TABLE, None)
        return (
            f"{engine.name}:"
            + hashlib.sha256(json.dumps(found, sort_keys=True).encode()).hexdigest()
        )
    session = DatabaseSession(path)
    digest = hashlib.sha256()
    try:
        tables = session.query("CALL show_tables() RETURN name, type ORDER BY name")
        for table, kind in ((row["name"], row["type"]) for row in tables):
            if table == MARKER_TABLE and not framework:
                continue
            info = session.query(f"CALL table_info('{table}') RETURN *")
            digest.update(json.dumps([table, info], sort_keys=True, default=str).encode())
            pattern = f"(n:{table})" if kind == "NODE" else f"()-[n:{table}]->()"
            rows = [
                json.dumps(row["n"], sort_keys=True, default=str)
                for row in session.query(f"MATCH {pattern} RETURN n")
            ]
            digest.update("\n".join(sorted(rows)).encode())
        indexes = session.query("CALL show_indexes() RETURN *")
        digest.update(json.dumps(indexes, sort_keys=True, default=str).encode())
    finally:
        session.close()
    return f"{session.engine.name}:" + digest.hexdigest()


def _digest(path: Path, databases: Literal["content", "bytes"], framework: bool) -> str:
    if path.is_symlink():
        return f"link:{path.readlink()}"
    mode = f"{path.stat().st_mode & 0o7777:o}"
    if path.is_dir():
        return f"dir:{mode}"
    if databases == "content":
        if path.name.endswith(".wal"):
            return "wal"  # present only while a database is open; its database says the rest
        if _is_database(path):
            return f"{database_digest(path, framework=framework)}:{mode}"
    return f"{hashlib.sha256(path.read_bytes()).hexdigest()}:{mode}"


def snapshot(
    root: Path,
    *,
    also: Iterable[Path] = (),
    framework: bool = False,
    databases: Literal["content", "bytes"] = "content",
) -> Snapshot:
    """Digest every file and folder under ``root`` (and the extra paths ``also``), with modes.

    The framework's own records (``.kuzu-memory/migrations/`` and the state file) are left
    out unless ``framework`` is true: a run is supposed to write them. Databases compare by
    content unless ``databases="bytes"`` (for code that must not even open one for writing).
    """
    layout = ProjectLayout(root)
    skipped = set() if framework else {layout.work_dir, layout.state_file}
    found: Snapshot = {}
    for base in (root, *also):
        if not base.exists() and not base.is_symlink():
            continue
        paths = [base, *base.rglob("*")] if base.is_dir() else [base]
        for path in sorted(paths):
            if path == root or any(path == s or s in path.parents for s in skipped):
                continue
            key = str(path.relative_to(root)) if root in path.parents else str(path)
            found[key] = _digest(path, databases, framework)
    return found


def differences(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """One line per path that appeared, vanished or changed, sorted."""
    lines = []
    for path in sorted(set(before) | set(after)):
        if path not in after:
            lines.append(f"removed {path}")
        elif path not in before:
            lines.append(f"created {path}")
        elif before[path] != after[path]:
            lines.append(f"changed {path}")
    return lines
