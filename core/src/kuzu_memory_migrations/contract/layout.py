"""Where kuzu-memory keeps a project's memory: the facts every pack builds on."""

MEMORY_DIR = ".kuzu-memory"
"""The project's memory folder (kuzu-memory 1.6.39 and later)."""
LEGACY_MEMORY_DIRS = ("kuzu-memories", ".kuzu-memories")
"""Where releases before 1.6.39 kept the database (1.6.32 measured: `kuzu-memories/`)."""
DATABASE_NAME = "memories.db"
DATABASE = f"{MEMORY_DIR}/{DATABASE_NAME}"
"""The database, relative to the project root."""
