"""A pack that fails to import."""

from __future__ import annotations

import kuzu_memory_migrations.no_such_module  # noqa: F401
