"""kuzu-memory 1.12.11's own migrations, ported as a pack, beside the original system.

Nothing of kuzu-memory is kept in this repository. At test time its released wheel is
downloaded, the eight `kuzu_memory/migrations/v*.py` modules are taken out of it, their one
relative import (`from .base import ...`) is pointed at `kuzu_memory_migrations.base`, and a
pack distribution is written around them. That is exactly the port a pack author makes:
one import line per module, plus a plugin module.

One virtualenv holds kuzu-memory 1.12.11 (the host, and the version axis of the ported
pack), this checkout's core and the ported pack. Both systems run there, as subprocesses:

- the original, through `OriginalDriver`: what `kuzu-memory`'s CLI does at every start-up
  (`_check_migrations()` in `kuzu_memory/cli/commands.py`), with the current directory set
  to the project, since the original manager and `bash_hooks_v1.7.0` read `Path.cwd()`;
- ours, through the real `kuzu-memory-migrations` CLI with `--project-root`, run from a
  neutral directory (a user's `--project-root` names the project, wherever they stand).

Sharing one virtualenv matters: `bash_hooks_v1.7.0` writes the absolute path of the
installed `kuzu_memory` package into the settings files, so both systems write the same.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
KUZU_MEMORY = "kuzu-memory"
KUZU_MEMORY_VERSION = "1.12.11"

MIGRATIONS: dict[str, str] = {
    "v1_6_33_async_hooks": "AsyncHooksMigration",
    "v1_6_45_knowledge_type": "KnowledgeTypeMigration",
    "v1_6_46_project_tag": "ProjectTagMigration",
    "v1_7_0_bash_hooks": "BashHooksMigration",
    "v1_7_0_config_defaults": "ConfigDefaultsMigration",
    "v1_8_0_cleanup_old_logs": "CleanupOldLogsMigration",
    "v1_8_1_schema_columns": "SchemaColumnsMigration",
    "v1_9_0_data_maintenance": "DataMaintenanceMigration",
}
"""The eight migration modules of `kuzu_memory/migrations/` and the class each defines."""

NAMES: dict[str, str] = {
    "AsyncHooksMigration": "async_hooks_v1.6.33",
    "KnowledgeTypeMigration": "knowledge_type_v1.6.45",
    "ProjectTagMigration": "project_tag_v1.6.46",
    "BashHooksMigration": "bash_hooks_v1.7.0",
    "ConfigDefaultsMigration": "config_defaults_v1.7.0",
    "CleanupOldLogsMigration": "cleanup_old_logs_v1.8.0",
    "SchemaColumnsMigration": "schema_columns_v1.8.1",
    "DataMaintenanceMigration": "data_maintenance_v1.9.0",
}
"""Class -> the `name` it declares (what both systems record in `history`)."""

DATABASE_MIGRATIONS = (
    "knowledge_type_v1.6.45",
    "project_tag_v1.6.46",
    "schema_columns_v1.8.1",
    "data_maintenance_v1.9.0",
)

PACK_FOLDER = "km-builtin-1-12-11"
PACK_DISTRIBUTION = f"kmm-it-{PACK_FOLDER}"
PACK_PACKAGE = PACK_DISTRIBUTION.replace("-", "_")
PACK_VERSION = "0.1.0"
"""Below every `from_version` but 0.0.0: a range read against the pack, not against
kuzu-memory as `version_axis` says, shows as out of range."""

GLOBAL_LOG_DIR = Path("/tmp/kuzu-memory-hooks")
"""`cleanup_old_logs_v1.8.0` deletes this machine-wide folder too (a hard-coded path)."""

_RELATIVE_IMPORT = re.compile(r"^[ \t]*from[ \t]+(\.+)([\w.]*)[ \t]+import\b", re.MULTILINE)
_PIP = ("-m", "pip", "--disable-pip-version-check", "--no-input", "-q")


# ---------------------------------------------------------------------------------------------
# The wheel and the port
# ---------------------------------------------------------------------------------------------


def download_wheel(cache: Path) -> Path:
    """kuzu-memory 1.12.11's wheel in `cache`, downloaded (without dependencies) if missing."""
    pattern = f"kuzu_memory-{KUZU_MEMORY_VERSION}-*.whl"
    found = sorted(cache.glob(pattern))
    if not found:
        cache.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            *_PIP,
            "download",
            f"{KUZU_MEMORY}=={KUZU_MEMORY_VERSION}",
            "--no-deps",
            "--only-binary=:all:",
            "-d",
            str(cache),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        found = sorted(cache.glob(pattern))
        if done.returncode != 0 or not found:
            raise RuntimeError(
                f"could not download {KUZU_MEMORY}=={KUZU_MEMORY_VERSION}:\n"
                f"{done.stdout}\n{done.stderr}"
            )
    return found[-1]


@dataclass(frozen=True)
class Rewrite:
    """One import line the port changed."""

    module: str
    line: int
    before: str
    after: str


def port_source(module: str, source: str) -> tuple[str, list[Rewrite]]:
    """The module with `from .base import` pointed at the core; any other relative import
    is refused, so a changed release cannot slip an unported dependency through."""
    rewrites: list[Rewrite] = []
    lines = source.splitlines(keepends=True)
    for match in _RELATIVE_IMPORT.finditer(source):
        number = source.count("\n", 0, match.start()) + 1
        original = lines[number - 1]
        if match.group(1) != "." or match.group(2) != "base":
            raise ValueError(f"{module}.py:{number}: unexpected relative import: {original!r}")
        ported = original.replace("from .base import", "from kuzu_memory_migrations.base import")
        if ported == original:
            raise ValueError(f"{module}.py:{number}: cannot rewrite {original!r}")
        lines[number - 1] = ported
        rewrites.append(Rewrite(module, number, original.rstrip("\n"), ported.rstrip("\n")))
    return "".join(lines), rewrites


def extract_migrations(wheel: Path) -> tuple[dict[str, str], list[Rewrite]]:
    """The eight migration modules of the wheel, ported; and every line the port changed."""
    sources: dict[str, str] = {}
    rewrites: list[Rewrite] = []
    with zipfile.ZipFile(wheel) as archive:
        present = {
            Path(name).stem
            for name in archive.namelist()
            if re.fullmatch(r"kuzu_memory/migrations/v[^/]*\.py", name)
        }
        if present != set(MIGRATIONS):
            raise AssertionError(
                f"{wheel.name}: expected the modules {sorted(MIGRATIONS)}, found {sorted(present)}"
            )
        for module in MIGRATIONS:
            text = archive.read(f"kuzu_memory/migrations/{module}.py").decode("utf-8")
            sources[module], changed = port_source(module, text)
            rewrites.extend(changed)
    return sources, rewrites


_PYPROJECT = """\
[build-system]
requires = ["hatchling>=1.25"]
build-backend = "hatchling.build"

[project]
name = "{distribution}"
version = "{pack_version}"
description = "kuzu-memory {version}'s built-in migrations, ported as a pack (test only)."
requires-python = ">=3.11"
dependencies = ["kuzu-memory-migrations", "kuzu-memory=={version}"]

[project.entry-points."kuzu_memory.migrations"]
{folder} = "{package}.plugin"

[tool.hatch.build.targets.wheel]
packages = ["src/{package}"]
"""

_PLUGIN = '''\
"""kuzu-memory {version}'s eight built-in migrations, registered as a pack.

Their ranges are read against kuzu-memory's installed version, as the built-in manager did.
"""

from kuzu_memory_migrations import hookimpl

{imports}

version_axis = "kuzu-memory"


@hookimpl
def register_migrations():
    return [
{classes}
    ]
'''


def write_pack(destination: Path, wheel: Path) -> tuple[Path, list[Rewrite]]:
    """A pack distribution around the ported modules in `destination/PACK_FOLDER`."""
    sources, rewrites = extract_migrations(wheel)
    root = destination / PACK_FOLDER
    package = root / "src" / PACK_PACKAGE
    package.mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        _PYPROJECT.format(
            distribution=PACK_DISTRIBUTION,
            version=KUZU_MEMORY_VERSION,
            pack_version=PACK_VERSION,
            folder=PACK_FOLDER,
            package=PACK_PACKAGE,
        )
    )
    (package / "__init__.py").write_text("")
    for module, text in sources.items():
        (package / f"{module}.py").write_text(text)
    (package / "plugin.py").write_text(
        _PLUGIN.format(
            version=KUZU_MEMORY_VERSION,
            imports="\n".join(f"from .{m} import {c}" for m, c in MIGRATIONS.items()),
            classes="\n".join(f"        {c}," for c in MIGRATIONS.values()),
        )
    )
    return root, rewrites


# ---------------------------------------------------------------------------------------------
# The virtualenv and the two systems
# ---------------------------------------------------------------------------------------------


def _load_installed() -> Any:
    """tests/integration/installed.py (the repository's fresh-virtualenv helper), by path."""
    name = "kmm_thirdparty_installed"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, REPO / "tests" / "integration" / "installed.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_installed = _load_installed()
PackEnv = _installed.PackEnv

ORIGINAL_DRIVER = r'''
"""What kuzu-memory 1.12.11's CLI does before every command (cli/commands.py,
_check_migrations), with the migrations it applied and every log record made, as JSON."""
import json, logging, sys

records = []


class Keep(logging.Handler):
    def emit(self, record):
        records.append(
            {"level": record.levelname, "logger": record.name, "message": record.getMessage()}
        )


logging.getLogger().addHandler(Keep())
logging.getLogger().setLevel(logging.DEBUG)

from kuzu_memory.__version__ import __version__
from kuzu_memory.migrations import get_migration_manager

manager = get_migration_manager()  # project root: the current directory, as at start-up
pending = []
find_pending = manager.get_pending_migrations


def recording(target):
    found = find_pending(target)
    pending.extend(m.name for m in found)
    return found


manager.get_pending_migrations = recording
results = manager.run_migrations(__version__)
print(json.dumps({
    "version": __version__,
    "results": [
        {"name": name, "success": r.success, "message": r.message, "changes": r.changes,
         "warnings": r.warnings}
        for name, r in zip(pending, results)
    ],
    "log": records,
}))
'''


@dataclass
class OriginalRun:
    """What one start-up of the original system did."""

    version: str
    results: list[dict[str, Any]]
    log: list[dict[str, str]]

    @property
    def applied(self) -> list[str]:
        return [r["name"] for r in self.results]

    def result(self, name: str) -> dict[str, Any]:
        (found,) = [r for r in self.results if r["name"] == name]
        return found


@dataclass
class Sandbox:
    """A project and the HOME it is used with (both copied when a test needs twins)."""

    root: Path
    home: Path

    def copy(self, destination: Path) -> Sandbox:
        destination.mkdir(parents=True)
        root = destination / self.root.name
        home = destination / "home"
        shutil.copytree(self.root, root, symlinks=True)
        shutil.copytree(self.home, home, symlinks=True)
        return Sandbox(root, home)


@dataclass
class ComparisonEnv:
    """The virtualenv with kuzu-memory 1.12.11, the core and the ported pack."""

    env: Any  # installed.PackEnv
    rewrites: list[Rewrite] = field(default_factory=list)
    neutral_dir: Path | None = None

    @property
    def bin(self) -> Path:
        return Path(self.env.root) / "bin"

    def environment(self, home: Path, **extra: str) -> dict[str, str]:
        env: dict[str, str] = self.env.environment(
            HOME=str(home), PATH=f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}", **extra
        )
        for name in list(env):
            if name.startswith(("KUZU_", "XDG_", "CLAUDE")) and name not in extra:
                del env[name]  # the caller's kuzu-memory or Claude settings must not leak in
        return env

    def original(self, sandbox: Sandbox) -> OriginalRun:
        """One start-up of kuzu-memory 1.12.11 in the project (its migrations only)."""
        done = subprocess.run(
            [str(self.bin / "python"), "-c", ORIGINAL_DRIVER],
            capture_output=True,
            text=True,
            check=False,
            cwd=sandbox.root,
            env=self.environment(sandbox.home),
            timeout=300,
        )
        if done.returncode != 0:
            raise AssertionError(
                f"the original system's start-up failed ({done.returncode}):\n"
                f"{done.stdout}\n{done.stderr}"
            )
        data = json.loads(done.stdout.strip().splitlines()[-1])
        return OriginalRun(data["version"], data["results"], data["log"])

    def kuzu_memory(self, sandbox: Sandbox, *args: str) -> subprocess.CompletedProcess[str]:
        """kuzu-memory 1.12.11's own CLI, in the project, with the sandbox's HOME."""
        return subprocess.run(
            [str(self.bin / "kuzu-memory"), *args],
            capture_output=True,
            text=True,
            check=False,
            cwd=sandbox.root,
            env=self.environment(sandbox.home),
            timeout=300,
        )

    def ours(
        self, sandbox: Sandbox, *args: str, code: int | None = 0
    ) -> subprocess.CompletedProcess[str]:
        """`kuzu-memory-migrations ARGS --project-root ROOT`, from a neutral directory."""
        command = [str(self.bin / "kuzu-memory-migrations"), *args]
        command += ["--project-root", str(sandbox.root)]
        cwd = self.neutral_dir or sandbox.root.parent
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            check=False,
            cwd=cwd,
            env=self.environment(sandbox.home),
            timeout=300,
        )
        if code is not None and done.returncode != code:
            raise AssertionError(
                f"kuzu-memory-migrations {' '.join(args)} exited {done.returncode},"
                f" expected {code}:\n{done.stdout}\n{done.stderr}"
            )
        return done

    def ours_json(self, sandbox: Sandbox, *args: str, code: int | None = 0) -> Any:
        done = self.ours(sandbox, *args, "--json", code=code)
        try:
            return json.loads(done.stdout)
        except json.JSONDecodeError as error:
            raise AssertionError(
                f"kuzu-memory-migrations {' '.join(args)} --json printed no JSON document"
                f" ({error}):\n{done.stdout}\n{done.stderr}"
            ) from error


def create_env(root: Path, wheel: Path, work: Path) -> ComparisonEnv:
    """The virtualenv: the core from this checkout, kuzu-memory's wheel, the ported pack."""
    env = PackEnv.create(root)
    env.pip("install", str(wheel))  # with its dependencies: the host as users install it
    pack, rewrites = write_pack(work, wheel)
    wheels = env.build(pack)
    env.install(PACK_DISTRIBUTION, wheels[PACK_FOLDER])
    neutral = work / "elsewhere"
    neutral.mkdir()
    return ComparisonEnv(env, rewrites, neutral)


# ---------------------------------------------------------------------------------------------
# Trees: what a project and a HOME hold
# ---------------------------------------------------------------------------------------------

STATE_FILE = ".kuzu-memory/migration_state.json"
WORK_DIR = ".kuzu-memory/migrations"


def tree(
    root: Path, *, databases: Literal["content", "bytes"] = "content", ignore: Iterable[str] = ()
) -> dict[str, str]:
    """Path -> digest of everything under `root` (databases by content, or by bytes).

    Both systems' own records (the state file, our work folder) are left out; `ignore`
    leaves out further paths (relative, or folder prefixes ending in "/").
    """
    from kuzu_memory_migrations.testing.snapshot import snapshot

    found = snapshot(root, databases=databases)
    skipped = tuple(ignore)
    return {
        path: digest
        for path, digest in found.items()
        if path not in (STATE_FILE, WORK_DIR)
        and not path.startswith(WORK_DIR + "/")
        and not any(path == s or (s.endswith("/") and path.startswith(s)) for s in skipped)
    }


EXTERNAL_RECORDS = ".local/state/kuzu-memory-migrations"
"""Under HOME: where ours keeps copies of files from outside the project, such as the user's
Claude settings (`ProjectLayout.external_dir()`, XDG_STATE_HOME unset as in the sandbox)."""


def sandbox_tree(sandbox: Sandbox, **options: Any) -> dict[str, str]:
    """The project's tree and HOME's (prefixed `~/`), as one mapping, our records left out."""
    found = tree(sandbox.root, **options)
    in_home = tree(sandbox.home, **options)
    found.update(
        {
            f"~/{k}": v
            for k, v in in_home.items()
            if k != EXTERNAL_RECORDS
            and not k.startswith(EXTERNAL_RECORDS + "/")
            and not EXTERNAL_RECORDS.startswith(k + "/")  # the folders made to hold it
        }
    )
    return found


def compare(expected: Mapping[str, str], actual: Mapping[str, str]) -> list[str]:
    """One line per path present in one tree only or with other contents, sorted."""
    lines = []
    for path in sorted(set(expected) | set(actual)):
        if path not in actual:
            lines.append(f"missing  {path}")
        elif path not in expected:
            lines.append(f"extra    {path}")
        elif expected[path] != actual[path]:
            lines.append(f"differs  {path}")
    return lines


def read(sandbox: Sandbox, path: str) -> bytes | None:
    target = sandbox.home / path[2:] if path.startswith("~/") else sandbox.root / path
    return target.read_bytes() if target.is_file() else None


# ---------------------------------------------------------------------------------------------
# Project kinds
# ---------------------------------------------------------------------------------------------

OLD_CONFIG_JSON: dict[str, Any] = {
    "version": "1.0",
    "database": {"path": "kuzu-memories/memories.db"},
    "hooks": {"enabled": True},
    "recall": {"max_memories": 10},
}
"""`.kuzu-memory/config.json` of an old project: no `queue_dir`, no `hooks.use_bash_hooks`."""

OLD_LOGS = {
    "kuzu_enhance.log": "2025-09-01 09:31:02,417 [INFO] Enhancing prompt (42 chars)\n",
    "kuzu_learn.log": "2025-09-01 09:31:07,902 [INFO] Queued 1 learning task\n",
}

USER_SETTINGS_EXTRA: dict[str, Any] = {"model": "opus", "permissions": {"allow": ["Bash(ls:*)"]}}
"""Keys of the user's own ~/.claude/settings.json that no migration may lose."""

DROPPED_COLUMNS = ("accessed_at", "access_count")
"""Memory columns the old project's database lacks, so that schema_columns_v1.8.1 has work."""


def build_empty(root: Path, home: Path) -> Sandbox:
    """(a) A project that holds `.kuzu-memory/` and nothing else; an empty HOME."""
    (root / ".kuzu-memory").mkdir(parents=True)
    home.mkdir(parents=True, exist_ok=True)
    return Sandbox(root, home)


def build_with_kuzu_memory(env: ComparisonEnv, root: Path, home: Path) -> Sandbox:
    """(b) What kuzu-memory 1.12.11's own `init` and `install claude-code` make."""
    root.mkdir(parents=True)
    home.mkdir(parents=True, exist_ok=True)
    sandbox = Sandbox(root, home)
    for command in (("init",), ("install", "claude-code", "--project-root", str(root))):
        for _attempt in range(5):
            done = env.kuzu_memory(sandbox, *command)
            # install first runs `kuzu-memory --version` with a 5 s timeout (installers/
            # claude_hooks.py, check_prerequisites): a loaded machine can miss it.
            if "Prerequisites not met" not in done.stdout + done.stderr:
                break
        if done.returncode != 0:
            raise AssertionError(
                f"kuzu-memory {' '.join(command)} exited {done.returncode}:\n"
                f"{done.stdout}\n{done.stderr}"
            )
    return sandbox


def build_old(
    root: Path, home: Path, *, memories: int = 4, database_dir: str = "kuzu-memories"
) -> Sandbox:
    """(c) An old project, as kuzu-memory 1.6 and earlier releases left it.

    - the database in `kuzu-memories/` (1.6's schema, minus `DROPPED_COLUMNS`), rows whose
      `content_hash` is NULL, empty or set, none past its `valid_to`;
    - `.kuzu-memory/config.yaml` (1.6's installer), `.kuzu-memory/config.json` (older
      releases) and `.kuzu-memory/logs/` with two log files;
    - hooks in three files: `.claude/settings.local.json` (1.6's nested shape, no `async`),
      `.claude/settings.json` (the older flat shape) and `~/.claude/settings.json` (nested,
      no `async`, beside the user's own keys and hook); `~/.claude.json` with 1.6's MCP entry.

    With `database_dir=".kuzu-memory"` the contents of `kuzu-memories/` (database included)
    are in `.kuzu-memory/` instead, where 1.12 keeps them: the same old schema and rows, in
    the place the framework's database helpers look first.
    """
    from kuzu_memory_migrations.testing.projects import (
        USER_HOOK_COMMAND,
        build_flat_hooks_settings,
        build_project_1_6,
        hooks_settings_1_6,
    )

    home.mkdir(parents=True, exist_ok=True)
    db = build_project_1_6(root, memories=memories, claude_json=home / ".claude.json")
    _drop_columns(db, DROPPED_COLUMNS)
    config = root / ".kuzu-memory"
    if database_dir == ".kuzu-memory":
        for path in sorted(db.parent.iterdir()):
            path.rename(config / path.name)
        db.parent.rmdir()
    elif database_dir != "kuzu-memories":
        raise ValueError(f"database_dir: {database_dir!r}")
    (config / "config.json").write_text(json.dumps(OLD_CONFIG_JSON, indent=2))
    for name, text in OLD_LOGS.items():
        (config / "logs" / name).write_text(text)
    build_flat_hooks_settings(root / ".claude" / "settings.json")
    user = {**USER_SETTINGS_EXTRA, **hooks_settings_1_6()}
    user["hooks"]["PostToolUse"].append(
        {"matcher": "Edit", "hooks": [{"type": "command", "command": USER_HOOK_COMMAND}]}
    )
    (home / ".claude").mkdir(exist_ok=True)
    (home / ".claude" / "settings.json").write_text(json.dumps(user, indent=2))
    return Sandbox(root.resolve(), home)


def _drop_columns(db: Path, columns: Iterable[str]) -> None:
    """Drop Memory columns (safe here: 1.6's Memory table has no vector index)."""
    import kuzu

    database = kuzu.Database(str(db))
    connection = kuzu.Connection(database)
    try:
        for column in columns:
            connection.execute(f"ALTER TABLE Memory DROP {column}")
    finally:
        connection.close()
        database.close()


EXPIRED_ID = "expired-episodic-memory"
DUPLICATE_ID = "older-duplicate-memory"


def add_rows_the_original_purges(db: Path) -> None:
    """One memory past its `valid_to` and an older copy of another one's content.

    kuzu-memory 1.12.11's data_maintenance_v1.9.0 deletes both (purge_expired,
    dedup_by_content_hash); the design says an upgrade never loses a memory.
    """
    from datetime import datetime, timedelta

    import kuzu

    now = datetime.now().replace(microsecond=0)
    database = kuzu.Database(str(db))
    connection = kuzu.Connection(database)
    try:
        result = connection.execute(
            "MATCH (m:Memory) WHERE m.content_hash = '' RETURN m.content, m.created_at LIMIT 1"
        )
        assert not isinstance(result, list)
        content, created = result.get_next()
        assert isinstance(created, datetime), created
        rows = [
            {
                "id": EXPIRED_ID,
                "content": "The staging cluster is rebuilt every Friday",
                "created": now - timedelta(days=40),
                "valid_to": now - timedelta(days=10),
            },
            {
                "id": DUPLICATE_ID,
                "content": content,
                "created": created - timedelta(days=1),
                "valid_to": now + timedelta(days=20),
            },
        ]
        for row in rows:
            connection.execute(
                "CREATE (m:Memory {id: $id, content: $content, content_hash: NULL,"
                " created_at: $created, valid_to: $valid_to, memory_type: 'episodic',"
                " source_type: 'cli', agent_id: 'cli', metadata: '{}'})",
                row,
            )
    finally:
        connection.close()
        database.close()
