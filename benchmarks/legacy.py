"""A synthetic migrations package built the old way, as kuzu-memory's built-in one is.

At every start its manager scans the package folder for `v*` modules, imports each, collects
the Migration subclasses, reads the state file and asks every migration not yet recorded
whether it applies. It is the baseline the start-up fast path is compared with; its base
classes use pydantic and packaging as the original does.
"""

from __future__ import annotations

import json
from pathlib import Path

BASE = """
from pathlib import Path
from packaging.version import Version
from pydantic import BaseModel, Field


class MigrationResult(BaseModel):
    success: bool
    message: str
    changes: list[str] = Field(default_factory=list)


class Migration:
    name = ""
    from_version = "0.0.0"
    to_version = "999.0.0"
    priority = 100

    def __init__(self, project_root: Path) -> None:
        self.project_root = project_root

    def check_applicable(self) -> bool:
        return (self.project_root / ".kuzu-memory").is_dir()

    def migrate(self) -> MigrationResult:
        return MigrationResult(success=True, message=self.name)
"""

MANAGER = """
import importlib
import inspect
import json
import pkgutil
from pathlib import Path

from packaging.version import Version

from .base import Migration


class MigrationManager:
    def __init__(self, project_root: Path) -> None:
        self.project_root = Path(project_root)
        self.state_file = self.project_root / ".kuzu-memory" / "legacy_migration_state.json"
        self.migrations = self._discover()

    def _discover(self) -> list[type[Migration]]:
        found = []
        folder = Path(__file__).parent
        for module in pkgutil.iter_modules([str(folder)]):
            if not module.name.startswith("v"):
                continue
            loaded = importlib.import_module(f"{__package__}.{module.name}")
            for _, cls in inspect.getmembers(loaded, inspect.isclass):
                if issubclass(cls, Migration) and cls is not Migration and cls.name:
                    found.append(cls)
        return sorted(found, key=lambda c: (Version(c.from_version), c.priority, c.name))

    def pending(self, current_version: str) -> list[Migration]:
        try:
            state = json.loads(self.state_file.read_text())
        except FileNotFoundError:
            state = {"last_version": "0.0.0", "history": []}
        applied = {e["name"] for e in state["history"] if e["success"]}
        last = Version(state["last_version"])
        result = []
        for cls in self.migrations:
            if cls.name in applied:
                continue
            if not (Version(cls.from_version) <= Version(current_version)):
                continue
            if last >= Version(cls.to_version):
                continue
            migration = cls(self.project_root)
            if migration.check_applicable():
                result.append(migration)
        return result
"""

MODULE = """
from .base import Migration, MigrationResult


class {cls}(Migration):
    name = "{name}"
    from_version = "{version}"

    def migrate(self) -> MigrationResult:
        return MigrationResult(success=True, message="{name} applied")
"""

MIGRATIONS = 12
"""About as many as kuzu-memory 1.12 ships."""


def build(folder: Path, project: Path) -> str:
    """Write the package `legacy_migrations` under `folder`, its state into `project`."""
    package = folder / "legacy_migrations"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "base.py").write_text(BASE)
    (package / "manager.py").write_text(MANAGER)
    names = []
    for index in range(MIGRATIONS):
        version = f"1.{index + 1}.0"
        name = f"legacy_step_{index:02d}"
        names.append(name)
        (package / f"v1_{index + 1}_0_step.py").write_text(
            MODULE.format(cls=f"Step{index}", name=name, version=version)
        )
    history = [
        {
            "name": name,
            "version": "1.0.0",
            "migration_type": "config",
            "timestamp": "2026-01-01T00:00:00",
            "success": True,
            "message": "",
            "changes": [],
        }
        for name in names
    ]
    state = project / ".kuzu-memory" / "legacy_migration_state.json"
    state.write_text(json.dumps({"last_version": "1.12.0", "history": history}))
    return str(folder)


CHECK = """
import json, sys, time
sys.path.insert(1, sys.argv[2])
started = time.perf_counter()
from legacy_migrations.manager import MigrationManager
imported = time.perf_counter()
pending = MigrationManager(sys.argv[1]).pending("1.12.0")
done = time.perf_counter()
assert not pending, pending
print(json.dumps({"import": imported - started, "call": done - imported,
                  "total": done - started}))
"""
"""Fresh-process code: import the legacy manager and decide "nothing pending"."""
