"""The check behind `nox -s compat`: real kuzu-memory releases on both sides of a migration.

A project is made by kuzu-memory 1.6.32 from the package index (`init`, `memory store`,
`install claude-code`), migrated by `kuzu-memory-migrations run` with the kuzu-memory-upgrades
pack installed beside kuzu-memory 1.12.11, and then used by 1.12.11: `memory recall` must
return every memory 1.6.32 stored, and the Claude Code hooks in `.claude/settings.local.json`
must run and do their work. A copy of the same project given to 1.12.11 without the migration
is the control: there 1.12.11 orphans the old database and recalls nothing.

Only the standard library is imported here; the two releases live in their own virtualenvs
under `--workdir` (kept between runs, so a second run installs nothing new). Exit status 1
when any check fails; every failure says what was expected and what was seen.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OLD, NEW = "1.6.32", "1.12.11"
PACK = ROOT / "plugins" / "kuzu-memory-upgrades"

MEMORIES: tuple[tuple[str, str], ...] = (
    ("The zanthorp billing service stores invoices in PostgreSQL", "zanthorp billing"),
    ("Always run the quillfeather smoke tests before tagging a release", "quillfeather"),
    ("Deployments of the marbleton API go to Kubernetes on AWS", "marbleton deployments"),
    ("Kestrelwick is the codename of the mobile client rewrite", "kestrelwick codename"),
)
"""(content stored by 1.6.32, words 1.12.11 recalls it by): made-up words, so no false hit."""
PROMPT = "How does the zanthorp service keep its invoices?"
"""What the UserPromptSubmit hook gets; its answer must carry the first memory."""
LEARNED = "The vexmoor cache is flushed every night by the cron job"
"""The assistant's last message in the transcript the PostToolUse hook is pointed at."""

NEW_DISTRIBUTIONS = ("kuzu-memory", "kuzu", "kuzu-memory-migrations", "kuzu-memory-upgrades")

DROPPED_ENV = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "TMPDIR")
DROPPED_PREFIXES = ("KUZU_", "XDG_", "CLAUDE")
"""The caller's settings that would otherwise leak into the sandbox."""


def paint(text: str, sgr: str) -> str:
    """Colour on a terminal only, so CI logs stay plain."""
    return f"\033[{sgr}m{text}\033[0m" if sys.stdout.isatty() else text


class StepFailed(Exception):
    """A step could not even run (a command failed): later checks would mean nothing."""


@dataclass
class Checks:
    """Every check's verdict, printed as it is made and summed up at the end."""

    results: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.results.append((name, ok, detail))
        mark = paint("ok  ", "32") if ok else paint("FAIL", "31")
        print(f"  {mark} {name}" + (f": {detail}" if detail else ""), flush=True)
        return ok

    @property
    def failed(self) -> list[str]:
        return [f"{name}: {detail}" for name, ok, detail in self.results if not ok]


@dataclass
class Timer:
    """Wall time of each phase, for the summary and docs/compat.md."""

    phases: dict[str, float] = field(default_factory=dict)

    def phase(self, name: str) -> _Phase:
        print("\n" + paint(f"== {name}", "1"), flush=True)
        return _Phase(self, name)


@dataclass
class _Phase:
    timer: Timer
    name: str
    start: float = 0.0

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timer.phases[self.name] = time.perf_counter() - self.start


def run(
    args: Sequence[str | Path],
    *,
    env: Mapping[str, str],
    cwd: Path,
    stdin: str | None = None,
    check: bool = True,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """One command, its output captured; with `check`, a non-zero exit stops the run."""
    command = [str(arg) for arg in args]
    try:
        done = subprocess.run(
            command,
            env=dict(env),
            cwd=cwd,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise StepFailed(
            f"`{' '.join(command)}` in {cwd} did not finish in {timeout:.0f}s"
        ) from error
    if check and done.returncode != 0:
        raise StepFailed(
            f"`{' '.join(command)}` in {cwd} exited {done.returncode}\n"
            f"stdout:\n{tail(done.stdout)}\nstderr:\n{tail(done.stderr)}"
        )
    return done


def tail(text: str, lines: int = 25) -> str:
    """The end of a command's output, without pip's noise about unused local indexes."""
    kept = [line for line in text.splitlines() if not line.startswith("WARNING: Location")]
    return "\n".join(kept[-lines:])


def first_json(text: str) -> Any:
    """The first JSON object in a command's output (hooks and `--format json` may add lines)."""
    start = text.find("{")
    if start < 0:
        return None
    try:
        return json.JSONDecoder().raw_decode(text[start:])[0]
    except json.JSONDecodeError:
        return None


@dataclass(frozen=True)
class Venv:
    """A virtualenv holding one kuzu-memory release (and, for the new one, this repo's code)."""

    path: Path
    requirements: tuple[str, ...]

    @property
    def bin(self) -> Path:
        return self.path / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"

    def ensure(self, interpreter: str) -> None:
        """Create it once; install its requirements on every run (local folders reinstall)."""
        if not self.python.exists():
            run([interpreter, "-m", "venv", self.path], env=os.environ, cwd=ROOT)
        run(
            [
                self.python,
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                *self.requirements,
            ],
            env={**os.environ, "PIP_NO_INPUT": "1"},
            cwd=ROOT,
            timeout=900,
        )

    def versions(self, *distributions: str) -> dict[str, str]:
        code = (
            "import json, sys, importlib.metadata as m;"
            "print(json.dumps({d: m.version(d) for d in sys.argv[1:]}))"
        )
        done = run([self.python, "-c", code, *distributions], env=os.environ, cwd=ROOT)
        versions: dict[str, str] = json.loads(done.stdout)
        return versions


ROWS_CODE = """
import json, pathlib, sys
from kuzu_memory_migrations.testing.projects import memory_rows
rows = memory_rows(pathlib.Path(sys.argv[1]))
print(json.dumps([{"id": r["id"], "content": r["content"]} for r in rows]))
"""
"""Reads a database in the new venv, the one with kuzu and this repo's read-only helper."""
SCHEMA_CODE = """
import json, pathlib, sys
from kuzu_memory_migrations.engine.database import MARKER_TABLE
from kuzu_memory_migrations.testing.projects import table_columns, table_names, vector_indexes
db = pathlib.Path(sys.argv[1])
tables = {n: sorted(table_columns(db, n)) for n in table_names(db) if n != MARKER_TABLE}
print(json.dumps({"tables": tables, "indexes": vector_indexes(db)}))
"""
"""Tables with their columns (as sets: an upgraded table has them in another order), indexes;
the framework's own table of commit markers left out (kuzu-memory never reads it)."""
DRAIN_CODE = """
import asyncio, logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stderr)
from kuzu_memory.mcp.queue_processor import HookQueueProcessor
asyncio.run(HookQueueProcessor(sys.argv[1])._process_queue())
"""
"""What 1.12.11's MCP server does with the bash hooks' queue, run once instead of in a loop."""


@dataclass
class Sandbox:
    """A temporary HOME, hook queue and log folder: nothing reaches the caller's own."""

    root: Path
    old: Venv
    new: Venv

    def __post_init__(self) -> None:
        for name in ("home", "queue", "logs", "tmp"):
            (self.root / name).mkdir(parents=True, exist_ok=True)

    @property
    def queue(self) -> Path:
        return self.root / "queue"

    def env(self, venv: Venv) -> dict[str, str]:
        """The environment of a user whose PATH finds `venv`'s kuzu-memory first."""
        kept = {
            key: value
            for key, value in os.environ.items()
            if key not in DROPPED_ENV and not key.startswith(DROPPED_PREFIXES)
        }
        return {
            **kept,
            "PATH": f"{venv.bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "VIRTUAL_ENV": str(venv.path),
            "HOME": str(self.root / "home"),
            "TMPDIR": str(self.root / "tmp"),
            "KUZU_HOOK_LOG_DIR": str(self.root / "logs"),
            "KUZU_MEMORY_QUEUE_DIR": str(self.queue),
            "KUZU_MEMORY_MCP_SOCKET": str(self.root / "no-mcp.sock"),
            "COLUMNS": "200",
            "NO_COLOR": "1",
        }

    def rows(self, database: Path) -> list[dict[str, str]]:
        """Every Memory row (id, content) of a database, read-only with the new venv's kuzu."""
        if not database.exists():
            return []
        done = run([self.new.python, "-c", ROWS_CODE, database], env=self.env(self.new), cwd=ROOT)
        rows: list[dict[str, str]] = json.loads(done.stdout)
        return rows

    def schema(self, database: Path) -> dict[str, Any]:
        done = run([self.new.python, "-c", SCHEMA_CODE, database], env=self.env(self.new), cwd=ROOT)
        schema: dict[str, Any] = json.loads(done.stdout)
        return schema

    def recall(self, project: Path, query: str) -> list[dict[str, Any]]:
        """What 1.12.11's `memory recall` returns for `query` (it prints no JSON when empty)."""
        done = run(
            ["kuzu-memory", "memory", "recall", query, "--format", "json"],
            env=self.env(self.new),
            cwd=project,
        )
        answer = first_json(done.stdout)
        if answer is None:
            if "No memories found" in done.stdout:
                return []
            raise StepFailed(
                f"`memory recall {query!r}` in {project} printed:\n{tail(done.stdout)}"
            )
        memories: list[dict[str, Any]] = answer.get("memories", [])
        return memories


def build_old_project(box: Sandbox, project: Path) -> None:
    """What a kuzu-memory 1.6.32 user has: init, a few memories, the Claude Code hooks."""
    env = box.env(box.old)
    project.mkdir(parents=True)
    run(["git", "init", "-q", "."], env=env, cwd=project)
    run(["kuzu-memory", "init"], env=env, cwd=project)
    for content, _ in MEMORIES:
        run(["kuzu-memory", "memory", "store", content], env=env, cwd=project)
    run(["kuzu-memory", "install", "claude-code", "--project-root", "."], env=env, cwd=project)


def migrations_cli(box: Sandbox, project: Path, command: str) -> tuple[int, dict[str, Any]]:
    """`kuzu-memory-migrations COMMAND --json` on the project: its exit status and answer."""
    args = ["kuzu-memory-migrations", command, "--project-root", str(project), "--json"]
    done = run(args, env=box.env(box.new), cwd=project, check=False)
    answer = first_json(done.stdout)
    if not isinstance(answer, dict):
        raise StepFailed(
            f"`{' '.join(args)}` exited {done.returncode} without a JSON answer\n"
            f"stdout:\n{tail(done.stdout)}\nstderr:\n{tail(done.stderr)}"
        )
    return done.returncode, answer


def migrate(box: Sandbox, project: Path, checks: Checks, label: str = "") -> dict[str, Any]:
    """`kuzu-memory-migrations status` then `run`, before any 1.12.11 command touches it.

    Returns the report of `run --json`; `label` prefixes the checks' names.
    """
    _, before = migrations_cli(box, project, "status")
    pending = [item["name"] for item in before["pending"]]
    checks.check(f"{label}status lists pending migrations", bool(pending), ", ".join(pending))
    exit_status, report = migrations_cli(box, project, "run")
    outcomes: list[dict[str, Any]] = report["outcomes"]
    for outcome in outcomes:
        print(f"       {outcome['name']:<32} {outcome['status']:<15} {outcome['reason']}")
    errors = [
        f"{o['name']} {o['status']}: {o['reason']}"
        for o in outcomes
        if o["status"] not in {"applied", "not_applicable"}
    ]
    errors += report["problems"] + ([report["stopped"]] if report.get("stopped") else [])
    applied = sum(o["status"] == "applied" for o in outcomes)
    checks.check(
        f"{label}`kuzu-memory-migrations run` succeeded",
        exit_status == 0 and not errors,
        f"exit {exit_status}, {applied} applied" + "".join(f"; {e}" for e in errors),
    )
    _, after = migrations_cli(box, project, "status")
    left = [item["name"] for item in after["pending"]]
    checks.check(f"{label}nothing pending afterwards", not left, ", ".join(left))
    return report


def history(project: Path) -> list[str]:
    """Names in migration_state.json's history, the record 1.12.11 reads too."""
    state = project / ".kuzu-memory" / "migration_state.json"
    if not state.exists():
        return []
    return [entry["name"] for entry in json.loads(state.read_text())["history"]]


def kept_all(before: list[dict[str, str]], after: list[dict[str, str]]) -> tuple[bool, str]:
    """Every row of `before` is in `after` with the same id and content."""
    now = {row["id"]: row["content"] for row in after}
    lost = [row["content"] for row in before if now.get(row["id"]) != row["content"]]
    return not lost, (f"missing: {lost}" if lost else f"{len(before)} of {len(before)} kept")


def recall_all(box: Sandbox, project: Path, stored: dict[str, str]) -> dict[str, bool]:
    """For each distinctive memory: does 1.12.11 recall it (the same row 1.6.32 stored)?"""
    found: dict[str, bool] = {}
    for content, query in MEMORIES:
        memories = box.recall(project, query)
        found[content] = any(
            m.get("content") == content and m.get("id") == stored.get(content) for m in memories
        )
    return found


def hook_commands(settings: Any) -> Iterator[tuple[str, str]]:
    """(event, command) of every hook, nested (`{"hooks": [...]}`) or flat (`{"command"}`)."""
    for event, entries in settings.get("hooks", {}).items():
        for entry in entries:
            for hook in entry.get("hooks", [entry]):
                if "command" in hook:
                    yield event, hook["command"]


def hook_input(event: str, project: Path, transcript: Path) -> str:
    """The JSON Claude Code writes to a hook's stdin for `event`."""
    common = {
        "session_id": "compat-session",
        "transcript_path": str(transcript),
        "cwd": str(project),
        "hook_event_name": event,
    }
    specific: dict[str, dict[str, Any]] = {
        "SessionStart": {"source": "startup"},
        "UserPromptSubmit": {"prompt": PROMPT},
        "PostToolUse": {
            "tool_name": "Bash",
            "tool_input": {"command": "make test"},
            "tool_response": {"stdout": "all tests passed"},
        },
    }
    return json.dumps({**common, **specific.get(event, {})})


def check_hooks(box: Sandbox, project: Path, checks: Checks) -> None:
    """Run every hook as Claude Code would, then let 1.12.11 work off what they queued.

    The hooks name the executable of the venv that installed them. A real upgrade
    (`pip install -U`, `pipx upgrade`) replaces the program at that path; here the two
    releases live in two venvs, so the old venv's bin folder stands for the new one's.
    """
    settings = json.loads((project / ".claude" / "settings.local.json").read_text())
    transcript = box.root / "transcript.jsonl"
    transcript.write_text(
        json.dumps({"type": "user", "message": {"role": "user", "content": "clean up"}})
        + "\n"
        + json.dumps(
            {
                "type": "assistant",
                "message": {"role": "assistant", "content": [{"type": "text", "text": LEARNED}]},
            }
        )
        + "\n"
    )
    sessions_before = session_rows(box, project)
    env = box.env(box.new)
    commands = list(hook_commands(settings))
    checks.check("hooks installed", len(commands) >= 3, ", ".join(e for e, _ in commands))
    for event, command in commands:
        upgraded = command.replace(str(box.old.bin), str(box.new.bin))
        note = " (old venv's path mapped to the new one)" if upgraded != command else ""
        print(f"       {event}: {upgraded}{note}")
        done = run(
            ["/bin/sh", "-c", upgraded],
            env=env,
            cwd=project,
            stdin=hook_input(event, project, transcript),
            check=False,
            timeout=120,
        )
        answer = first_json(done.stdout)
        checks.check(
            f"{event} hook exits 0 with a JSON answer",
            done.returncode == 0 and isinstance(answer, dict) and answer.get("continue") is True,
            f"exit {done.returncode}, stdout {tail(done.stdout, 3)!r}, "
            f"stderr {tail(done.stderr, 5)!r}",
        )
        if event == "UserPromptSubmit":
            context = str((answer or {}).get("hookSpecificOutput", {}).get("additionalContext", ""))
            checks.check(
                "UserPromptSubmit hook adds the 1.6.32 memory to the prompt",
                MEMORIES[0][0] in context,
                repr(context[:160]),
            )
    queued = sorted(path.name for path in box.queue.glob("*.json"))
    drained = ""
    if queued:
        print(f"       queued for the MCP server: {', '.join(queued)}; draining it as it would")
        drained = run([box.new.python, "-c", DRAIN_CODE, box.queue], env=env, cwd=project).stderr
        left = sorted(path.name for path in box.queue.rglob("*.json"))
        checks.check("1.12.11 worked off the hook queue", not left, f"left: {left}")
    learned = _wait_for(
        lambda: any(m.get("content") == LEARNED for m in box.recall(project, "vexmoor"))
    )
    checks.check("PostToolUse hook: 1.12.11 learned the assistant's message", learned, LEARNED)
    sessions_after = session_rows(box, project)
    checks.check(
        "SessionStart hook: 1.12.11 stored the session",
        f"Session start memory stored for project: {project.name}" in drained
        or sessions_after > sessions_before,
        f"'Session started' rows {sessions_before} -> {sessions_after}"
        + (" (a duplicate of 1.6.32's, skipped)" if sessions_after == sessions_before else ""),
    )


def session_rows(box: Sandbox, project: Path) -> int:
    rows = box.rows(project / ".kuzu-memory" / "memories.db")
    return sum(row["content"].startswith("Session started in") for row in rows)


def _wait_for(condition: Callable[[], bool], seconds: float = 20.0) -> bool:
    """Poll: 1.12.11's CLI learn hook hands its work to a background process."""
    deadline = time.monotonic() + seconds
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(1.0)


def compare(
    box: Sandbox, project: Path, control: Path, stored_rows: list[dict[str, str]], checks: Checks
) -> None:
    """The point of it all: the same 1.6.32 project, with and without the migration."""
    stored = {row["content"]: row["id"] for row in stored_rows}
    migrated = recall_all(box, project, stored)
    orphaned = recall_all(box, control, stored)
    print(f"\n       {'memory stored by 1.6.32':<66} migrated  control")
    for content, _ in MEMORIES:
        print(f"       {content:<66} {_yes(migrated[content]):<9} {_yes(orphaned[content])}")
    checks.check(
        f"{NEW} recalls every 1.6.32 memory after the migration",
        all(migrated.values()),
        f"{sum(migrated.values())} of {len(MEMORIES)}",
    )
    checks.check(
        f"control: {NEW} without the migration recalls none of them",
        not any(orphaned.values()),
        f"{sum(orphaned.values())} of {len(MEMORIES)} found",
    )
    left_behind = box.rows(control / "kuzu-memories" / "memories.db")
    in_new = [
        r for r in box.rows(control / ".kuzu-memory" / "memories.db") if r["content"] in stored
    ]
    checks.check(
        "control: the old database is orphaned, not deleted",
        len(left_behind) == len(stored_rows) and not in_new,
        f"kuzu-memories/ keeps {len(left_behind)} rows, .kuzu-memory/ has {len(in_new)} of them",
    )


def first_use_changed_nothing(
    box: Sandbox, project: Path, stored_rows: list[dict[str, str]], ours: list[str], checks: Checks
) -> None:
    """1.12.11's start-up migrations ran on the migrated project: they must find nothing to do."""
    extra = [name for name in history(project) if name not in ours]
    checks.check(
        f"{NEW} found nothing left to migrate (its state file was ours)",
        not extra,
        f"it ran {extra}" if extra else f"{len(ours)} history entries",
    )
    ok, detail = kept_all(stored_rows, box.rows(project / ".kuzu-memory" / "memories.db"))
    checks.check(f"{NEW}'s start-up purged nothing", ok, detail)


def store_again(box: Sandbox, project: Path, stored: dict[str, str], checks: Checks) -> None:
    """1.12.11 skips a new memory whose content_hash exists: the back-filled hash must be its own.

    1.12.11's own `data_maintenance_v1.9.0` back-fills sha256 of the raw content, which never
    matches the hash of the lower-cased text it computes, so an old memory stored again doubles.
    """
    content = MEMORIES[-1][0]
    run(["kuzu-memory", "memory", "store", content], env=box.env(box.new), cwd=project)
    rows = box.rows(project / ".kuzu-memory" / "memories.db")
    ids = [row["id"] for row in rows if row["content"] == content]
    checks.check(
        f"{NEW} takes a 1.6.32 memory stored again as a duplicate",
        ids == [stored[content]],
        f"rows of {content!r}: {ids}, 1.6.32's id {stored[content]}",
    )


def same_schema_as_new(box: Sandbox, project: Path, checks: Checks) -> None:
    """The migrated database against one 1.12.11 made itself (`init`, then opened once more)."""
    fresh = box.root / "fresh-1.12.11"
    env = box.env(box.new)
    fresh.mkdir()
    run(["git", "init", "-q", "."], env=env, cwd=fresh)
    run(["kuzu-memory", "init"], env=env, cwd=fresh)
    box.recall(fresh, "anything")
    want = box.schema(fresh / ".kuzu-memory" / "memories.db")
    have = box.schema(project / ".kuzu-memory" / "memories.db")
    differences = [
        f"{table}: {sorted(set(have['tables'].get(table, [])) ^ set(columns))}"
        for table, columns in want["tables"].items()
        if have["tables"].get(table) != columns
    ]
    differences += [f"extra table {t}" for t in have["tables"] if t not in want["tables"]]
    if have["indexes"] != want["indexes"]:
        differences.append(f"indexes {have['indexes']} instead of {want['indexes']}")
    checks.check(
        f"the migrated database has the schema of one {NEW} made",
        not differences,
        "; ".join(differences) or f"{len(want['tables'])} tables, indexes {want['indexes']}",
    )


def _yes(found: bool) -> str:
    return "found" if found else "-"


def scenario(box: Sandbox, checks: Checks, timer: Timer) -> None:
    """Make the project with 1.6.32, copy it, migrate it, then use both copies with 1.12.11."""
    project, control = box.root / "project", box.root / "control"
    with timer.phase(f"a project made by kuzu-memory {OLD}"):
        build_old_project(box, project)
        stored_rows = box.rows(project / "kuzu-memories" / "memories.db")
        stored = {row["content"]: row["id"] for row in stored_rows}
        checks.check(
            f"{OLD} stored the memories in kuzu-memories/memories.db",
            all(content in stored for content, _ in MEMORIES),
            f"{len(stored_rows)} rows",
        )
        shutil.copytree(project, control, symlinks=True)
    with timer.phase(f"migrate with kuzu-memory-migrations beside kuzu-memory {NEW}"):
        migrate(box, project, checks)
        ours = history(project)
        ok, detail = kept_all(stored_rows, box.rows(project / ".kuzu-memory" / "memories.db"))
        checks.check("every row is in .kuzu-memory/memories.db", ok, detail)
    with timer.phase(f"kuzu-memory {NEW} recalls: migrated project vs. unmigrated copy"):
        compare(box, project, control, stored_rows, checks)
        first_use_changed_nothing(box, project, stored_rows, ours, checks)
        store_again(box, project, stored, checks)
        same_schema_as_new(box, project, checks)
    with timer.phase(f"the Claude Code hooks, run by kuzu-memory {NEW}"):
        check_hooks(box, project, checks)


# ---------------------------------------------------------------------------------------------
# The aged project: two months of kuzu-memory 1.6.32, then the upgrade
# ---------------------------------------------------------------------------------------------

AGED_DAYS = 60
"""How long ago the aged project's memories were stored: twice 1.6's 30-day `valid_to`."""
LATER_DAYS = 31
"""The further month after the upgrade, after which 1.12.11 is used again."""
TYPED: tuple[tuple[str, str], ...] = (
    ("I prefer dravenhold releases to go out on Tuesdays.", "dravenhold releases"),
    ("We decided to use PostgreSQL and Redis for the brisketon backend.", "brisketon backend"),
    ("Always use pytest with Docker when testing the pellmoor API.", "pellmoor API"),
)
"""Learned by 1.6.32's `generate_memories` (its API behind `memory learn` and the MCP server):
typed memories (a preference never expires) with MENTIONS edges to the entities they name."""
STORED_AFTER = "The quorlane exporter pushes metrics every five minutes"
"""A memory 1.12.11 stores after the upgrade (episodic: 1.12.11 purges it 30 days later)."""
STORED_LATER = "The tessaridge dashboard moved to the staging cluster"
"""What 1.12.11 stores a month after the upgrade."""

TYPED_CODE = """
import json, pathlib, sys
from kuzu_memory import KuzuMemory
with KuzuMemory(db_path=pathlib.Path(sys.argv[1])) as memory:
    print(json.dumps({text: memory.generate_memories(text, source="conversation")
                      for text in sys.argv[2:]}))
"""
"""1.6.32 learning typed memories into the project's database (its CLI `memory learn` writes
to ~/.kuzu-memory instead: it passes no database path)."""
AGE_CODE = """
import json, sys, kuzu
db = kuzu.Database(sys.argv[1]); connection = kuzu.Connection(db)
def rows(statement):
    result = connection.execute(statement); found = []
    while result.has_next(): found.append(result.get_next())
    return found
shifted = []
for table in rows("CALL show_tables() RETURN *"):
    name, kind = table[1], table[2]
    for column in rows(f"CALL table_info('{name}') RETURN *"):
        if column[2] != "TIMESTAMP":
            continue
        x = f"(x:{name})" if kind == "NODE" else f"()-[x:{name}]->()"
        c = f"x.{column[1]}"
        rows(f"MATCH {x} WHERE {c} IS NOT NULL SET {c} = {c} - interval('{sys.argv[2]} days')")
        shifted.append(f"{name}.{column[1]}")
print(json.dumps(shifted))
"""
"""Shift every TIMESTAMP of every node and rel table back by N days: what N days do."""
STORE_CODE = """
import json, pathlib, sys, datetime, kuzu
db = kuzu.Database(sys.argv[1], read_only=True); connection = kuzu.Connection(db)
def rows(statement, parameters=None):
    result = connection.execute(statement, parameters or {}); names = result.get_column_names()
    found = []
    while result.has_next(): found.append(dict(zip(names, result.get_next())))
    return found
tables = {row["name"] for row in rows("CALL show_tables() RETURN *")}
now = datetime.datetime.now()
memory = rows("MATCH (m:Memory) RETURN m.id AS id, m.content AS content, "
              "m.valid_to IS NOT NULL AND m.valid_to < $now AS expired", {"now": now})
archived = []
if "ArchivedMemory" in tables:
    archived = rows("MATCH (a:ArchivedMemory) RETURN a.id AS id, a.original_id AS original_id, "
                    "a.content AS content, a.prune_reason AS reason")
mentions = rows("MATCH ()-[r:MENTIONS]->() RETURN count(r) AS n")[0]["n"]
print(json.dumps({"memory": memory, "archived": archived, "mentions": mentions}))
"""
"""Memory rows (with 1.12.11's purge rule evaluated), ArchivedMemory rows, MENTIONS edges."""


def aged_store(box: Sandbox, project: Path) -> dict[str, Any]:
    """What the project's database holds now (see STORE_CODE)."""
    database = project / ".kuzu-memory" / "memories.db"
    if not database.exists():
        database = project / "kuzu-memories" / "memories.db"
    done = run([box.new.python, "-c", STORE_CODE, database], env=box.env(box.new), cwd=ROOT)
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def age(box: Sandbox, database: Path, days: int) -> list[str]:
    """Every timestamp of `database` `days` earlier (the new venv's kuzu; nothing holds it)."""
    args: list[str | Path] = [box.new.python, "-c", AGE_CODE, database, str(days)]
    done = run(args, env=box.env(box.new), cwd=ROOT)
    shifted: list[str] = json.loads(done.stdout)
    return shifted


def build_aged_project(box: Sandbox, project: Path) -> dict[str, str]:
    """A 1.6.32 project used for two months: CLI and typed memories, then 60 days of age.

    Returns the id of each memory, by the text it was stored or learned from.
    """
    env = box.env(box.old)
    project.mkdir(parents=True)
    run(["git", "init", "-q", "."], env=env, cwd=project)
    run(["kuzu-memory", "init"], env=env, cwd=project)
    ids: dict[str, str] = {}
    before = {row["id"] for row in box.rows(project / "kuzu-memories" / "memories.db")}
    for content, _ in MEMORIES:
        run(["kuzu-memory", "memory", "store", content], env=env, cwd=project)
    for row in box.rows(project / "kuzu-memories" / "memories.db"):
        if row["id"] not in before:
            ids[row["content"]] = row["id"]
    database = project / "kuzu-memories" / "memories.db"
    texts = [text for text, _ in TYPED]
    done = run([box.old.python, "-c", TYPED_CODE, database, *texts], env=env, cwd=project)
    learned: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
    for text, made in learned.items():
        if made:
            ids[text] = made[0]
    shifted = age(box, database, AGED_DAYS)
    print(f"       aged by {AGED_DAYS} days: {', '.join(shifted)}")
    return ids


def restore(box: Sandbox, project: Path, *args: str) -> tuple[int, dict[str, Any]]:
    """`kuzu-memory-archive restore ARGS --json`, the pack's own restore."""
    command = ["kuzu-memory-archive", "restore", "--project-root", str(project), "--json", *args]
    done = run(command, env=box.env(box.new), cwd=project, check=False)
    answer = first_json(done.stdout)
    if not isinstance(answer, dict):
        raise StepFailed(
            f"`{' '.join(command)}` printed:\n{tail(done.stdout)}\n{tail(done.stderr)}"
        )
    return done.returncode, answer


def new_commands(box: Sandbox, project: Path, query: str, content: str) -> str:
    """A user's 1.12.11 commands: recall, store, status, migrations status; their output."""
    env = box.env(box.new)
    output = []
    for args in (
        ["memory", "recall", query],
        ["memory", "store", content],
        ["status"],
        ["migrations", "status"],
    ):
        done = run(["kuzu-memory", *args], env=env, cwd=project)
        output.append(done.stdout + done.stderr)
    return "\n".join(output)


def none_deleted(
    label: str, ids: dict[str, str], store: dict[str, Any], checks: Checks
) -> tuple[set[str], set[str]]:
    """Every 1.6.32 memory is in Memory or ArchivedMemory; (active ids, archived ids)."""
    active = {row["id"] for row in store["memory"]}
    archived = {row["original_id"] for row in store["archived"]}
    ours = set(ids.values())
    lost = [text for text, memory_id in ids.items() if memory_id not in active | archived]
    checks.check(
        f"aged, {label}: no {OLD} memory deleted",
        not lost,
        f"lost: {lost}"
        if lost
        else f"{len(ours)} kept: {len(active & ours)} active, {len(archived & ours)} archived",
    )
    return active, archived


def our_records(box: Sandbox, project: Path, label: str, checks: Checks) -> None:
    """Our `status` reports no orphan and our `history` keeps every entry's provenance."""
    _, status = migrations_cli(box, project, "status")
    orphans = [item["name"] for item in status.get("orphaned", [])]
    checks.check(f"aged, {label}: our status reports no orphans", not orphans, ", ".join(orphans))
    _, entries = migrations_cli_list(box, project, "history")
    bare = [e["name"] for e in entries if e.get("success") and not e.get("provenance")]
    checks.check(
        f"aged, {label}: our history keeps the provenance of every migration",
        not bare,
        f"without provenance: {', '.join(bare)}" if bare else f"{len(entries)} entries",
    )


def migrations_cli_list(
    box: Sandbox, project: Path, command: str
) -> tuple[int, list[dict[str, Any]]]:
    """`kuzu-memory-migrations COMMAND --json` for a command answering with a JSON list."""
    args = ["kuzu-memory-migrations", command, "--project-root", str(project), "--json"]
    done = run(args, env=box.env(box.new), cwd=project, check=False)
    try:
        answer = json.loads(done.stdout)
    except json.JSONDecodeError as error:
        raise StepFailed(f"`{' '.join(args)}` printed:\n{tail(done.stdout)}") from error
    return done.returncode, answer if isinstance(answer, list) else []


def state_keys(project: Path) -> list[str]:
    state = project / ".kuzu-memory" / "migration_state.json"
    return sorted(json.loads(state.read_text())) if state.exists() else []


def aged_scenario(box: Sandbox, checks: Checks, timer: Timer) -> None:
    """Old memories across the upgrade: archived before 1.12.11 purges them, then restored."""
    project = box.root / "aged"
    label = "aged: "
    queries = dict((*MEMORIES, *TYPED))
    with timer.phase(f"aged: a kuzu-memory {OLD} project used for two months"):
        ids = build_aged_project(box, project)
        start = aged_store(box, project)
        expired = {row["id"] for row in start["memory"] if row["expired"]}
        checks.check(
            f"aged: {OLD} stored and learned the memories (typed ones with MENTIONS edges)",
            len(ids) == len(MEMORIES) + len(TYPED) and start["mentions"] > 0,
            f"{len(start['memory'])} rows, {len(ids)} of ours, {start['mentions']} MENTIONS, "
            f"{len(expired)} past valid_to",
        )
    with timer.phase("aged: migrate with kuzu-memory-migrations"):
        report = migrate(box, project, checks, label)
        archive: dict[str, Any] = next(
            (o for o in report["outcomes"] if o["name"] == "archive_expired_v1.9.0"), {}
        )
        after = aged_store(box, project)
        checks.check(
            "aged: archive_expired_v1.9.0 archived every row 1.12.11 would purge",
            archive.get("status") == "applied"
            and {r["original_id"] for r in after["archived"]} == expired
            and not any(r["expired"] for r in after["memory"]),
            f"{archive.get('status')}: {archive.get('reason')}",
        )
        none_deleted("after the migration", ids, after, checks)
        keys = state_keys(project)
    with timer.phase(f"aged: kuzu-memory {NEW} recall, store, status, migrations status"):
        output = new_commands(box, project, MEMORIES[0][1], STORED_AFTER)
        purged = [line for line in output.splitlines() if "urge" in line]
        checks.check(f"aged: {NEW} purged nothing", not purged, "; ".join(purged) or "no purge")
        used = aged_store(box, project)
        none_deleted(f"after {NEW}'s first commands", ids, used, checks)
        checks.check(
            f"aged: {NEW} left our state file as it was",
            state_keys(project) == keys,
            f"keys {state_keys(project)}",
        )
        stored_after = [r["id"] for r in used["memory"] if r["content"] == STORED_AFTER]
        checks.check(f"aged: {NEW} stored a new memory", len(stored_after) == 1, str(stored_after))
    with timer.phase("aged: restore the archived memories, recall them"):
        archive_of = {r["original_id"]: r["id"] for r in used["archived"]}
        later_text = MEMORIES[2][0]  # stays archived for the further month
        now_ids = sorted(a for o, a in archive_of.items() if o != ids.get(later_text))
        code, answer = restore(box, project, *now_ids)
        results = answer.get("results", [])
        checks.check(
            "aged: kuzu-memory-archive restores archived memories",
            code == 0 and len(results) == len(now_ids),
            ", ".join(f"{r['memory_id']} {r['status']} ({r['edges']} edges)" for r in results),
        )
        back = {r["memory_id"] for r in results if r["status"] == "restored"}
        found = {
            text: any(m.get("id") == memory_id for m in box.recall(project, queries[text]))
            for text, memory_id in ids.items()
            if memory_id in back
        }
        checks.check(
            f"aged: {NEW} recalls every restored memory",
            bool(found) and all(found.values()),
            f"{sum(found.values())} of {len(found)}"
            + "".join(f"; not: {t!r}" for t, ok in found.items() if not ok),
        )
    with timer.phase(f"aged: a month later, {NEW} again"):
        shifted = age(box, project / ".kuzu-memory" / "memories.db", LATER_DAYS)
        print(f"       aged by {LATER_DAYS} more days: {len(shifted)} timestamp column(s)")
        before_keys = state_keys(project)
        history_before = history(project)
        new_commands(box, project, MEMORIES[1][1], STORED_LATER)
        later = aged_store(box, project)
        kept_own = any(r["id"] in stored_after for r in later["memory"])
        print(
            f"       {NEW} {'left' if state_keys(project) == before_keys else 'rewrote'} "
            f"migration_state.json (keys now {state_keys(project)}); the memory it stored "
            f"after the upgrade is {'still there' if kept_own else 'gone (its 30-day retention)'}"
        )
        state = project / ".kuzu-memory" / "migration_state.json"
        added = json.loads(state.read_text())["history"][len(history_before) :]
        for entry in added:
            print(f"       {NEW} ran {entry['name']}: {entry['message']} {entry['changes']}")
        none_deleted("a month later", ids, later, checks)
        code, answer = restore(box, project, archive_of.get(ids.get(later_text, ""), "-"))
        recalled = any(
            m.get("id") == ids.get(later_text) for m in box.recall(project, MEMORIES[2][1])
        )
        checks.check(
            "aged: a memory archived for a month (past its expires_at) restores and is recalled",
            code == 0 and recalled,
            f"exit {code}, {answer.get('results')}, recalled {recalled}",
        )
        final = aged_store(box, project)
        missing = set(ids.values()) - {row["id"] for row in final["memory"]}
        checks.check(
            f"aged: every {OLD} memory is active again, with its MENTIONS edges",
            not missing and final["mentions"] == start["mentions"],
            f"missing {sorted(missing)}; MENTIONS {final['mentions']} of {start['mentions']}",
        )
        our_records(box, project, "a month later", checks)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "kuzu-memory-migrations-compat",
        help="Where the two virtualenvs are kept between runs.",
    )
    parser.add_argument("--keep", action="store_true", help="Keep the projects for inspection.")
    parser.add_argument(
        "--scenario",
        choices=("all", "fresh", "aged"),
        default="all",
        help="fresh: a new 1.6.32 project and its hooks; aged: one used for two months.",
    )
    options = parser.parse_args(argv)
    if not (PACK / "pyproject.toml").exists():
        print(f"compat: the pack {PACK} is missing", file=sys.stderr)
        return 1
    checks, timer = Checks(), Timer()
    venvs = options.workdir.resolve() / "venvs"
    old = Venv(venvs / f"kuzu-memory-{OLD}", (f"kuzu-memory=={OLD}",))
    new = Venv(venvs / f"kuzu-memory-{NEW}", (f"kuzu-memory=={NEW}", str(ROOT / "core"), str(PACK)))
    folder = Path(tempfile.mkdtemp(prefix="kmm-compat-"))
    try:
        with timer.phase("virtualenvs"):
            old.ensure(sys.executable)
            new.ensure(sys.executable)
            for venv, names in ((old, ("kuzu-memory", "kuzu")), (new, NEW_DISTRIBUTIONS)):
                found = venv.versions(*names)
                print(
                    f"       {venv.path.name}: " + ", ".join(f"{k} {v}" for k, v in found.items())
                )
        box = Sandbox(folder, old, new)
        for name, run_scenario in (("fresh", scenario), ("aged", aged_scenario)):
            if options.scenario not in ("all", name):
                continue
            try:
                run_scenario(box, checks, timer)
            except StepFailed as error:
                checks.check(f"every step of the {name} scenario ran", False, str(error))
    except StepFailed as error:
        checks.check("every step ran", False, str(error))
    finally:
        if options.keep:
            print(f"\nProjects kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print("\n" + paint("== summary", "1"))
    print(f"       {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {sys.version.split()[0]}")
    for name, seconds in timer.phases.items():
        print(f"       {seconds:6.1f} s  {name}")
    if checks.failed:
        print(f"\ncompat: {len(checks.failed)} check(s) failed:", file=sys.stderr)
        for failure in checks.failed:
            print(f"  - {failure}", file=sys.stderr)
        return 1
    print(f"\ncompat: all {len(checks.results)} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
