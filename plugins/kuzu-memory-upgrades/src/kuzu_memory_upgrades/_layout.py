"""Where kuzu-memory keeps things, release by release (see docs/reference/kuzu-memory-facts.md)."""

from __future__ import annotations

MEMORY_DIR = ".kuzu-memory"
"""Since 1.6.39: the database, its files and the config live here."""
LEGACY_DIR = "kuzu-memories"
"""Up to 1.6.38 (measured on 1.6.32): the database and its files lived here."""
DATABASE = "memories.db"
NEW_DATABASE = f"{MEMORY_DIR}/{DATABASE}"
DATABASE_COMPANIONS = ("README.md", "project_info.md", ".gitignore")
"""Files `kuzu-memory init` writes beside the database; they move with it."""
STALE_LOCK = ".memories.db.lock"
"""1.6's own lock file: left empty after every command, meaningless once the database moved."""
CONFIG_FILES = (f"{MEMORY_DIR}/config.yaml", f"{MEMORY_DIR}/config.json")
"""The YAML config installers write, and the older JSON one."""
