"""What the reliability tests share: subprocess runners, tree digests, the figures they report."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

PLUGINS_DIR = Path(__file__).parent.parent / "plugins"
PRIVATE = ".kuzu-memory/migrations"
STATE = ".kuzu-memory/migration_state.json"

RUN = (
    "import sys; from pathlib import Path;"
    "from kuzu_memory_migrations.engine.project import Project;"
    "from kuzu_memory_migrations.engine.runner import RunOptions, run;"
    "report = run(Project(Path(sys.argv[1])), RunOptions());"
    "print(report.model_dump_json())"
)
"""A runner in a subprocess, lighter to start than the CLI (no typer, no rich)."""

AUTO = (
    "import sys; from kuzu_memory_migrations import auto_migrate;"
    "report = auto_migrate(sys.argv[1]);"
    "print(report.status, report.message)"
)
"""The host's start-up call in a subprocess."""


def environment(home: Path, *plugins: str, **extra: str) -> dict[str, str]:
    """A subprocess environment loading exactly `plugins` from tests/plugins, HOME private."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUZU_MEMORY_MIGRATIONS_")}
    env.update(
        HOME=str(home),
        PYTHONPATH=os.pathsep.join([str(PLUGINS_DIR), env.get("PYTHONPATH", "")]),
        KUZU_MEMORY_MIGRATIONS_DISABLE_AUTOLOAD="1",
        KUZU_MEMORY_MIGRATIONS_PLUGINS=",".join(plugins),
        COLUMNS="1000",  # rich would wrap long paths inside messages the tests look for
        **extra,
    )
    return env


def start(code: str, root: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, str(root)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _interruptible() -> None:
    """Ctrl-C as at a terminal, even when the tests run where SIGINT is ignored (`cmd &`)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def cli(root: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """`python -m kuzu_memory_migrations ARGS --project-root ROOT` in a subprocess."""
    return subprocess.Popen(
        [sys.executable, "-m", "kuzu_memory_migrations", *args, "--project-root", str(root)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_interruptible,  # noqa: PLW1509 (the tests start no threads)
    )


def digest_tree(*roots: Path, skip: tuple[str, ...] = (PRIVATE, STATE)) -> dict[str, str]:
    """Every path under `roots` -> kind, permission bits and a hash of its bytes or link."""
    found: dict[str, str] = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root).as_posix()
            if any(relative == s or relative.startswith(s + "/") for s in skip):
                continue
            info = path.lstat()
            if path.is_symlink():
                found[f"{root.name}/{relative}"] = f"link {os.readlink(path)}"
            elif path.is_dir():
                found[f"{root.name}/{relative}"] = f"dir {info.st_mode & 0o7777:o}"
            else:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
                found[f"{root.name}/{relative}"] = f"file {info.st_mode & 0o7777:o} {digest}"
    return found


def state_of(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((root / STATE).read_text())
    return data


def failures_of(root: Path) -> dict[str, Any]:
    """The failure records (count, interrupted, message) per migration, as the records hold."""
    from kuzu_memory_migrations.engine.layout import ProjectLayout
    from kuzu_memory_migrations.engine.state import read_records

    records = read_records(ProjectLayout(root))
    try:
        return {name: f.model_dump() for name, f in records.failures().items()}
    finally:
        records.close()


def successes(root: Path) -> list[str]:
    """Names of the successful history entries, in order: each must appear once."""
    return [e["name"] for e in state_of(root)["history"] if e["success"]]


def report_figures(test: str, **figures: object) -> None:
    """Print the figures a proof produced; append them to $KMM_RELIABILITY_REPORT if set."""
    line = json.dumps({"test": test, **figures})
    print(line)
    if target := os.environ.get("KMM_RELIABILITY_REPORT"):
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
