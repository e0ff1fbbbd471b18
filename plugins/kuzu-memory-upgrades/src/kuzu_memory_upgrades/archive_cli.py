"""`kuzu-memory-archive`: list and restore the memories kept in ArchivedMemory.

```
kuzu-memory-archive list [--project-root P] [--json]
kuzu-memory-archive restore ID [ID ...] [--project-root P] [--json] [--dry-run]
kuzu-memory-archive restore --all [--project-root P] [--json] [--dry-run]
```

ID is an archive id (`archive-<memory id>-<time>`) or the memory's original id. A restored
memory is back in Memory as kuzu-memory 1.12.11 recalls it: its original id, `valid_from` the
restore time, `valid_to` NULL (1.12.11 never purges it), its metadata, session, user and
embedding from `.kuzu-memory/archived_memories.json`, and its edges re-created where the
other end exists. kuzu-memory's own `ArchiveManager.restore` (1.12.11) cannot do this on
Kuzu 0.11: it passes `accessed_at` as text ("Implicit cast is not supported"), and would
leave `valid_from` NULL (never recalled), a new `restored-<id>-<time>` id and no edges.

Exit status: 0 when every named entry was restored (or, for `list`, always), 1 when one was
skipped or not found, or a statement failed (then nothing changed), 2 on a usage error, 3
when the database is held open by another process (stop kuzu-memory's MCP server and retry).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import Any

from kuzu_memory_migrations import DatabaseError, DataMigration, MigrationDeferred, MigrationResult

from . import _archive as archive
from ._layout import MEMORY_DIR, NEW_DATABASE

EXIT_SKIPPED, EXIT_USAGE, EXIT_BUSY = 1, 2, 3
_WRITES = re.compile(r"\b(CREATE|DELETE|SET|MERGE)\b")


def find_root(start: Path) -> Path | None:
    """The nearest folder from `start` up holding `.kuzu-memory/`."""
    for folder in (start, *start.parents):
        if (folder / MEMORY_DIR).is_dir():
            return folder
    return None


class _Database(DataMigration):
    """The project's database, used outside any run: the framework's guarded access."""

    name = "kuzu-memory-archive"
    database_file = NEW_DATABASE

    def migrate(self) -> MigrationResult:
        raise NotImplementedError("a tool, not a migration: it is never registered")


class Archive:
    """One project's ArchivedMemory table and details file, in one database transaction."""

    def __init__(self, root: Path, *, read_only: bool) -> None:
        self.root = root
        self.read_only = read_only
        self.details_path = root / archive.DETAILS_FILE
        self.database = _Database(project_root=root)

    def execute(self, cypher: str, parameters: dict[str, Any] | None) -> list[dict[str, Any]]:
        """Run a statement; read-only (a dry run), a write is only counted, not made."""
        if self.read_only and _WRITES.search(cypher):
            return []
        return self.database.query(cypher, parameters)

    def details(self) -> dict[str, Any]:
        if not self.details_path.exists():
            return archive.empty_details()
        data = json.loads(self.details_path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else archive.empty_details()

    def save_details(self, data: dict[str, Any]) -> None:
        """Atomically (a crash leaves the old file or the new one, never half of one)."""
        text = json.dumps(data, indent=2) + "\n"
        fd, temporary = tempfile.mkstemp(dir=self.details_path.parent, prefix=".archived-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.details_path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def archived(self) -> list[dict[str, Any]]:
        if "ArchivedMemory" not in self.database.tables():
            return []
        return archive.all_archived(self.execute)

    def restore(self, keys: Sequence[str], *, every: bool, dry_run: bool) -> list[archive.Restored]:
        """Restore the named entries (or all) in one transaction; the details file after it."""
        if "ArchivedMemory" not in self.database.tables():
            return [archive.Restored(k, None, "missing", "no ArchivedMemory table") for k in keys]
        targets: list[dict[str, Any]] = []
        results: list[archive.Restored] = []
        if every:
            targets = archive.all_archived(self.execute)
        for key in keys:
            found = archive.find_archived(self.execute, key)
            if not found:
                results.append(archive.Restored(key, None, "missing", "no such archive entry"))
            targets += found
        details = self.details()
        entries = archive.details_entries(details)
        memory_columns = archive.column_types(self.execute, "Memory")
        now = archive.purge_time()
        seen: set[str] = set()
        # Committed at the end, or not at all; a dry run opens the database read-only.
        with nullcontext() if self.read_only else self.database.transaction():
            for row in targets:
                if row["id"] in seen:
                    continue
                seen.add(str(row["id"]))
                results.append(
                    archive.restore_one(
                        self.execute, row, entries.get(str(row["id"])), memory_columns, now
                    )
                )
        if dry_run:
            return results
        restored = {r.archive_id for r in results if r.status == "restored"}
        if restored & set(entries):
            details["archives"] = {k: v for k, v in entries.items() if k not in restored}
            self.save_details(details)
        return results


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kuzu-memory-archive",
        description="List and restore memories kept in ArchivedMemory (kuzu-memory 1.12).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("list", "archived memories, oldest archive first"),
        ("restore", "put archived memories back, as kuzu-memory 1.12 recalls them"),
    ):
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument("--project-root", type=Path, metavar="PATH")
        command.add_argument("--json", action="store_true", help="one JSON document on stdout")
        if name == "restore":
            command.add_argument("ids", nargs="*", metavar="ID", help="archive or memory id")
            command.add_argument("--all", action="store_true", help="every archived memory")
            command.add_argument(
                "--dry-run", action="store_true", help="show what would happen; change nothing"
            )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    start = (options.project_root or Path.cwd()).resolve()
    root = find_root(start) if options.project_root is None else start
    if root is None or not (root / NEW_DATABASE).exists():
        print(f"kuzu-memory-archive: no {NEW_DATABASE} in {root or start}", file=sys.stderr)
        return EXIT_USAGE
    if options.command == "restore" and not options.ids and not options.all:
        print("kuzu-memory-archive restore: name an ID or pass --all", file=sys.stderr)
        return EXIT_USAGE
    writes = options.command == "restore" and not options.dry_run
    try:
        store = Archive(root, read_only=not writes)
        if options.command == "list":
            return _print_list(store.archived(), as_json=options.json)
        results = store.restore(options.ids, every=options.all, dry_run=options.dry_run)
    except MigrationDeferred as busy:
        print(f"kuzu-memory-archive: {busy}", file=sys.stderr)
        return EXIT_BUSY
    except DatabaseError as error:  # the transaction was rolled back: nothing changed
        print(f"kuzu-memory-archive: {error}", file=sys.stderr)
        return EXIT_SKIPPED
    _print_restored(results, as_json=options.json, dry_run=options.dry_run)
    return 0 if all(r.status == "restored" for r in results) else EXIT_SKIPPED


def _print_list(rows: list[dict[str, Any]], *, as_json: bool) -> int:
    if as_json:
        print(json.dumps([{k: archive.plain(v) for k, v in r.items()} for r in rows]))
        return 0
    if not rows:
        print("No archived memories.")
        return 0
    for row in rows:
        content = str(row.get("content") or "").replace("\n", " ")
        print(f"{row['id']}  {row.get('memory_type') or '-'}  {row.get('prune_reason') or ''}")
        print(f"    {content[:100]}{'...' if len(content) > 100 else ''}")
    print(f"{len(rows)} archived memory(ies)")
    return 0


def _print_restored(results: list[archive.Restored], *, as_json: bool, dry_run: bool) -> None:
    if as_json:
        print(json.dumps({"dry_run": dry_run, "results": [asdict(r) for r in results]}))
        return
    for result in results:
        verb = "would restore" if dry_run and result.status == "restored" else result.status
        target = f" -> {result.memory_id}" if result.status == "restored" else ""
        edges = f" ({result.edges} edge(s))" if result.edges else ""
        reason = f": {result.reason}" if result.status != "restored" else ""
        print(f"{verb} {result.archive_id}{target}{edges}{reason}")


if __name__ == "__main__":
    sys.exit(main())
