"""What a migration used on its own, outside any run, gets: the same guard, no journal.

Changes happen at once (`.bak` files keep what `backup_file` saved, as with the old
built-in system); each database statement commits by itself and releases the lock.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..contract.context import RunContext, Trigger
from ..contract.migration import Migration
from .access import Access
from .files import FileOps
from .guard import PathGuard
from .settings import allowed_paths


def standalone_access(migration: Migration) -> Access:
    root = Path(os.path.abspath(migration.project_root))
    guard = PathGuard.build(
        migration.name or type(migration).__name__,
        root,
        migration.declared_paths(),
        allowed_paths(root),
    )
    return Access(RunContext(project_root=root, trigger=Trigger.DIRECT), FileOps(guard), "write")
