"""Where the project's database and config are, and the names this pack's migrations share."""

from __future__ import annotations

DATABASE = ".kuzu-memory/memories.db"
CONFIG = ".kuzu-memory/config.yaml"
ENGINE = "ladybug"
MOVE = "ladybug_move_v0.1.0"
VECTOR_INDEX = "memory_hnsw_idx"
CREATE_INDEX = f"CALL CREATE_VECTOR_INDEX('Memory', '{VECTOR_INDEX}', 'embedding')"
"""kuzu-memory 1.12.11's own statement (its defaults: cosine, mu 30, ml 60, efc 200)."""
