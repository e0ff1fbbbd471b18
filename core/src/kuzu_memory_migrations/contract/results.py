"""Values migrations hand back to the framework."""

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class MigrationType(StrEnum):
    """What a migration changes; also the filter of `run --type` and `history --type`."""

    CONFIG = "config"
    SCHEMA = "schema"
    HOOKS = "hooks"
    SETTINGS = "settings"
    STRUCTURE = "structure"
    DATA = "data"
    CLEANUP = "cleanup"


class MigrationResult(BaseModel):
    """What `migrate()` returns: `success=False` makes the framework undo the migration."""

    model_config = ConfigDict(extra="forbid")

    success: bool
    message: str
    changes: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    # Kept for code ported from the built-in system; the journal makes it unnecessary.
    rollback_info: dict[str, Any] | None = None
