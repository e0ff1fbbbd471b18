"""kuzu-memory 1.12.11's own migrations, ported with one import change, against the original.

Each test gives identical copies of a project (and of HOME) to the original built-in system
(one kuzu-memory start-up) and to ours (`kuzu-memory-migrations ... --project-root P`, run
from another directory), and compares what they leave behind. Project kinds: "empty"
(`.kuzu-memory/` only), "kuzu-memory-init" (made by kuzu-memory 1.12.11's own `init` and
`install claude-code`), "old" (as 1.6 and older releases left it, database in
`kuzu-memories/`) and "old-in-place" (the same, database already in `.kuzu-memory/`).
What the original does on each kind was measured with kuzu-memory 1.12.11 and kuzu 0.11.3;
the constants below are those measurements, and each test first checks that the original
still does exactly that, so a failure says which side moved.

Deliberate differences from a naive "same bytes everywhere":

- both systems' own records (`.kuzu-memory/migration_state.json`, our
  `.kuzu-memory/migrations/` and our copies of HOME's files in `~/.local/state/`) are left
  out of tree comparisons; the history entries the two write are compared on their own;
- `.kuzu-memory/config.json.bak` is left out: the original's `Migration.backup_file` (called
  by `write_json`) leaves it behind for good, where ours keeps the old bytes in the run's
  journal (the documented contract of `write_json`); `rollback` is what must restore them;
- `.kuzu-memory/config.json` is compared as JSON: it is written through the base-class
  helper `write_json`, whose formatting (ours ends the file with a newline) is the
  framework's, not the migration's. Files the migrations write with plain I/O
  (`Path.write_text`, `shutil.copy`) are compared byte for byte;
- databases are compared by content (schema, indexes, every row) with a read-only digest
  (Kuzu rewrites its file on a mere read-write open), our commit-marker table left out.

The projects hold no memory past its `valid_to` and no duplicate: there, the original's
`data_maintenance_v1.9.0` deletes rows, which the design forbids without an archive, so
"what the original does" is no reference for ours.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from km1211_support import (
    DATABASE_MIGRATIONS,
    KUZU_MEMORY_VERSION,
    MIGRATIONS,
    NAMES,
    PACK_DISTRIBUTION,
    PACK_VERSION,
    STATE_FILE,
    ComparisonEnv,
    Sandbox,
    compare,
    read,
    sandbox_tree,
)

pytestmark = pytest.mark.slow

Twins = Callable[[str], tuple[Sandbox, Sandbox]]

ALL_NAMES = tuple(NAMES.values())
MODULE_OF = {NAMES[cls]: module for module, cls in MIGRATIONS.items()}
"""Migration name -> the module of kuzu-memory's that defines it (and of the port)."""

# ---------------------------------------------------------------------------------------------
# What the original does (measured: kuzu-memory 1.12.11, kuzu 0.11.3, Python 3.11)
# ---------------------------------------------------------------------------------------------

APPLIED_BY_ORIGINAL: dict[str, tuple[str, ...]] = {
    # Nothing applicable: no config.json, no settings file, no database, no logs. With
    # nothing pending the original does not even write migration_state.json.
    "empty": (),
    # kuzu-memory 1.12.11's own init + install claude-code: hooks already nested with
    # "async": true, every column present, every content_hash set. No state file either.
    "kuzu-memory-init": (),
    # All eight, in the order the original runs them: (priority, from_version); the same
    # wherever the old database is.
    **dict.fromkeys(
        ("old", "old-in-place"),
        (
            "knowledge_type_v1.6.45",
            "project_tag_v1.6.46",
            "config_defaults_v1.7.0",
            "schema_columns_v1.8.1",
            "data_maintenance_v1.9.0",
            "bash_hooks_v1.7.0",
            "async_hooks_v1.6.33",
            "cleanup_old_logs_v1.8.0",
        ),
    ),
}

OLD_KINDS = ("old", "old-in-place")
ALL_KINDS = ("empty", "kuzu-memory-init", *OLD_KINDS)
DATABASE_OF = {"old": "kuzu-memories/memories.db", "old-in-place": ".kuzu-memory/memories.db"}
"""Where the old project's database is: the original finds it with `_find_db_path()` and
changes it there."""

FILES_CHANGED_BY: dict[str, tuple[str, ...]] = {
    # Paths each migration creates, changes or deletes on the old project (the project's,
    # and HOME's with "~/"). The .bak files of the hooks migrations are their own plain
    # I/O (shutil.copy); config.json.bak is the base class's backup_file.
    "config_defaults_v1.7.0": (".kuzu-memory/config.json", ".kuzu-memory/config.json.bak"),
    "bash_hooks_v1.7.0": (".claude/settings.json", ".claude/settings.json.bak"),
    "async_hooks_v1.6.33": (
        ".claude/settings.local.json",
        ".claude/settings.local.json.bak",
        "~/.claude/settings.json",
        "~/.claude/settings.json.bak",
    ),
    "cleanup_old_logs_v1.8.0": (
        ".kuzu-memory/logs",
        ".kuzu-memory/logs/kuzu_enhance.log",
        ".kuzu-memory/logs/kuzu_learn.log",
    ),
}
"""The four database migrations change the one database (`DATABASE_OF`), nothing else."""

ORIGINAL_DIFFERENCES: dict[str, list[str]] = {
    "empty": [],
    "kuzu-memory-init": [],
    **{
        kind: sorted(
            [
                "differs  .claude/settings.json",
                "extra    .claude/settings.json.bak",
                "differs  .claude/settings.local.json",
                "extra    .claude/settings.local.json.bak",
                "differs  .kuzu-memory/config.json",
                "extra    .kuzu-memory/config.json.bak",
                "missing  .kuzu-memory/logs",
                "missing  .kuzu-memory/logs/kuzu_enhance.log",
                "missing  .kuzu-memory/logs/kuzu_learn.log",
                f"differs  {DATABASE_OF[kind]}",
                "differs  ~/.claude/settings.json",
                "extra    ~/.claude/settings.json.bak",
            ],
            key=lambda line: line[9:],
        )
        for kind in OLD_KINDS
    },
}
"""`compare(before, after)` of the original's run: "extra" = created, "missing" = deleted."""

PLAIN_IO: dict[str, dict[str, tuple[str, ...]]] = {
    "empty": {},
    "kuzu-memory-init": {},
    **{
        kind: {
            # shutil.copy(settings, settings.json.bak), then Path.write_text(settings), per file
            "async_hooks_v1.6.33": ("~/.claude/settings.json", ".claude/settings.local.json"),
            "bash_hooks_v1.7.0": (".claude/settings.json",),
            # shutil.rmtree
            "cleanup_old_logs_v1.8.0": (".kuzu-memory/logs",),
        }
        for kind in OLD_KINDS
    },
}
"""Migration -> the files its plain Python I/O writes or deletes on each kind (a dry run
cannot preview them; its report must say so, naming migration and path)."""

STATEMENTS: dict[str, tuple[str, ...]] = {
    # What the database migrations run on the old project, through kuzu's raw connection.
    "knowledge_type_v1.6.45": ("ALTER TABLE Memory ADD knowledge_type STRING DEFAULT 'note'",),
    "project_tag_v1.6.46": ("ALTER TABLE Memory ADD project_tag STRING DEFAULT ''",),
    "schema_columns_v1.8.1": (
        "ALTER TABLE Memory ADD accessed_at TIMESTAMP",
        "ALTER TABLE Memory ADD access_count INT32 DEFAULT 0",
    ),
    "data_maintenance_v1.9.0": ("SET m.content_hash",),
}

IGNORED = (".kuzu-memory/config.json.bak",)
AS_JSON = (".kuzu-memory/config.json",)
DATABASE = DATABASE_OF["old"]


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def comparable(sandbox: Sandbox) -> dict[str, str]:
    """The sandbox's tree as the two systems are compared (see the module docstring)."""
    found = sandbox_tree(sandbox, ignore=IGNORED)
    for path in AS_JSON:
        data = read(sandbox, path)
        if path in found and data is not None:
            mode = found[path].rsplit(":", 1)[-1]
            canonical = json.dumps(json.loads(data), sort_keys=True)
            found[path] = f"json:{hashlib.sha256(canonical.encode()).hexdigest()}:{mode}"
    return found


def every_byte(sandbox: Sandbox) -> dict[str, str]:
    """Every byte of project and HOME: databases by bytes, both systems' records included."""
    from kuzu_memory_migrations.testing.snapshot import snapshot

    found: dict[str, str] = snapshot(sandbox.root, framework=True, databases="bytes")
    found.update(
        {f"~/{k}": v for k, v in snapshot(sandbox.home, framework=True, databases="bytes").items()}
    )
    return found


def explain(sandbox_a: Sandbox, sandbox_b: Sandbox, lines: Iterable[str], limit: int = 6) -> str:
    """The differing lines, with both versions of a few small text files."""
    out = []
    for line in lines:
        out.append(line)
        path = line[9:]
        if len(out) < 40 and line.startswith("differs") and not path.endswith(".db"):
            for label, box in (("original", sandbox_a), ("ours", sandbox_b)):
                data = read(box, path)
                if data is not None and len(data) < 4000 and limit > 0:
                    out.append(f"    --- {label}: {data.decode(errors='replace')!r}")
            limit -= 1
    return "\n".join(out)


def finished(report: dict[str, Any]) -> bool:
    """The run went through to the end (no error, not stopped early)."""
    return report.get("error") is None and report.get("stopped") is None


def outcomes(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {outcome["name"]: outcome for outcome in report["outcomes"]}


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {name: outcome["status"] for name, outcome in outcomes(report).items()}


def history(sandbox: Sandbox) -> list[tuple[str, str, str, bool]]:
    """(name, version, migration_type, success) of each entry of the legacy state file."""
    path = sandbox.root / STATE_FILE
    if not path.exists():
        return []
    entries = json.loads(path.read_text())["history"]
    return [(h["name"], h["version"], h["migration_type"], h["success"]) for h in entries]


def mentions(outcome: dict[str, Any], sandbox: Sandbox, path: str) -> bool:
    """Whether an outcome's JSON names the path (project-relative or absolute, or ~/...)."""
    text = json.dumps(outcome)
    if path.startswith("~/"):
        return path in text or str(sandbox.home / path[2:]) in text
    return path in text


def run_ours(env: ComparisonEnv, sandbox: Sandbox, *args: str) -> dict[str, Any]:
    """`run --json`; the exit status is asserted by the caller through the report."""
    report: dict[str, Any] = env.ours_json(sandbox, "run", *args, code=None)
    return report


# ---------------------------------------------------------------------------------------------
# The port itself
# ---------------------------------------------------------------------------------------------


def test_the_port_changes_one_import_line_per_module(comparison_env: ComparisonEnv) -> None:
    rewritten = {(r.module, r.before, r.after) for r in comparison_env.rewrites}
    assert len(comparison_env.rewrites) == len(MIGRATIONS), (
        "each of the eight modules has exactly one relative import, `from .base import ...`:"
        f" {comparison_env.rewrites}"
    )
    for module, before, after in rewritten:
        assert before.startswith("from .base import "), (module, before)
        assert after == before.replace("from .base", "from kuzu_memory_migrations.base"), module


def test_the_pack_loads_with_its_eight_migrations(
    comparison_env: ComparisonEnv, pristine: Callable[[str], Sandbox], tmp_path: Path
) -> None:
    sandbox = pristine("empty").copy(tmp_path / "s")
    plugins = comparison_env.ours_json(sandbox, "plugins")
    (pack,) = [p for p in plugins["plugins"] if p["distribution"] == PACK_DISTRIBUTION]
    assert (pack["state"], pack["error"], pack["migrations"]) == ("loaded", None, 8), (
        f"the ported pack loads and registers all eight migrations: {pack}"
    )
    assert plugins["problems"] == [], "ported classes pass the load-time validation"


def test_every_range_is_read_against_kuzu_memory_not_the_pack(
    comparison_env: ComparisonEnv, pristine: Callable[[str], Sandbox], tmp_path: Path
) -> None:
    """The plugin's `version_axis = "kuzu-memory"` names the axis of all its migrations:
    kuzu-memory is installed at 1.12.11, above every from_version; the pack itself is at
    0.1.0, below the five from_versions that are not 0.0.0."""
    sandbox = pristine("old").copy(tmp_path / "s")
    status = comparison_env.ours_json(sandbox, "status")
    seen = {m["name"]: m for m in status["migrations"]}
    assert set(seen) == set(ALL_NAMES), "status lists the eight ported migrations"
    out_of_range = {n: m["reason"] for n, m in seen.items() if m["status"] == "out_of_range"}
    assert out_of_range == {}, (
        f"no migration is out of range with kuzu-memory {KUZU_MEMORY_VERSION} installed"
        f" (a range read against the pack's own {PACK_VERSION} would be): {out_of_range}"
    )


# ---------------------------------------------------------------------------------------------
# (a) The same changes as the original
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_run_changes_the_project_as_the_original_does(
    kind: str, twins: Twins, comparison_env: ComparisonEnv
) -> None:
    original, ours = twins(kind)
    start = comparable(original)
    assert start == comparable(ours), "the twins start identical"

    done = comparison_env.original(original)
    assert tuple(done.applied) == APPLIED_BY_ORIGINAL[kind], (
        f"precondition: the original applies {APPLIED_BY_ORIGINAL[kind]} on {kind} (measured)"
    )
    assert all(r["success"] for r in done.results), done.results
    assert sorted(compare(start, comparable(original)), key=lambda x: x[9:]) == sorted(
        [line for line in ORIGINAL_DIFFERENCES[kind] if line[9:] not in IGNORED],
        key=lambda x: x[9:],
    ), f"precondition: the original changes exactly the measured paths on {kind}"

    report = run_ours(comparison_env, ours)
    assert finished(report) and report["problems"] == [], report

    problems: list[str] = []  # all of them, each saying what is expected
    expected = dict.fromkeys(APPLIED_BY_ORIGINAL[kind], "applied")
    got = {n: s for n, s in statuses(report).items() if n in expected or s != "not_applicable"}
    if got != expected:
        problems.append(
            f"ours applies exactly what the original applies on {kind}, and finds the rest"
            " not applicable:\n"
            + "\n".join(
                f"    {o['name']}: {o['status']}: {o['reason']}"
                for o in report["outcomes"]
                if got.get(o["name"]) != expected.get(o["name"])
            )
        )
    differences = compare(comparable(original), comparable(ours))
    if differences:
        problems.append(
            f"on {kind}, ours leaves the project and HOME as the original does (databases by"
            f" content):\n{explain(original, ours, differences)}"
        )
    if [h for h in history(ours) if h[3]] != [h for h in history(original) if h[3]]:
        problems.append(
            "ours records the same successful history entries in the legacy state file"
            f" (name, version, migration_type), in the same order: ours {history(ours)},"
            f" original {history(original)}"
        )
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_after_the_original_ours_applies_nothing(
    kind: str, twins: Twins, comparison_env: ComparisonEnv
) -> None:
    """A state file the original wrote is read with nothing re-run."""
    original, _ = twins(kind)
    comparison_env.original(original)
    before = comparable(original)

    report = run_ours(comparison_env, original)

    assert finished(report), report
    ran = {
        n: s for n, s in statuses(report).items() if s not in ("applied", "host", "not_applicable")
    }
    assert ran == {}, f"after the original's start-up nothing is pending for ours: {ran}"
    differences = compare(before, comparable(original))
    assert differences == [], f"ours changes nothing after the original: {differences}"


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_after_ours_the_original_applies_nothing(
    kind: str, twins: Twins, comparison_env: ComparisonEnv
) -> None:
    """A state file ours wrote is read by the original with nothing re-run."""
    _, ours = twins(kind)
    run_ours(comparison_env, ours)
    before = comparable(ours)

    done = comparison_env.original(ours)

    assert done.applied == [], (
        f"kuzu-memory 1.12.11 starting after ours runs nothing: {done.results}"
    )
    differences = compare(before, comparable(ours))
    assert differences == [], f"the original changes nothing after ours: {differences}"


def test_hooks_in_the_users_local_settings_are_migrated_as_the_original_does(
    tmp_path: Path, comparison_env: ComparisonEnv
) -> None:
    """async_hooks_v1.6.33 also rewrites ~/.claude/settings.local.json, a path our
    `HooksMigration.get_hooks_config_paths()` (and so the path guard) does not list."""
    from km1211_support import build_empty
    from kuzu_memory_migrations.testing.projects import hooks_settings_1_6

    source = build_empty(tmp_path / "src" / "project", tmp_path / "src" / "home")
    (source.home / ".claude").mkdir()
    (source.home / ".claude" / "settings.local.json").write_text(
        json.dumps(hooks_settings_1_6(), indent=2)
    )
    original, ours = source.copy(tmp_path / "original"), source.copy(tmp_path / "ours")
    start = comparable(original)

    done = comparison_env.original(original)
    assert done.applied == ["async_hooks_v1.6.33"], done.results
    assert compare(start, comparable(original)) == [
        "differs  ~/.claude/settings.local.json",
        "extra    ~/.claude/settings.local.json.bak",
    ], "precondition: the original rewrites the user's local settings and backs them up"

    report = run_ours(comparison_env, ours)

    outcome = outcomes(report).get("async_hooks_v1.6.33")
    assert statuses(report).get("async_hooks_v1.6.33") == "applied", (
        f"async_hooks_v1.6.33 runs for the user's local settings: {json.dumps(outcome, indent=2)}"
    )
    differences = compare(comparable(original), comparable(ours))
    assert differences == [], (
        f"ours rewrites ~/.claude/settings.local.json as the original does:\n"
        f"{explain(original, ours, differences)}"
    )


# ---------------------------------------------------------------------------------------------
# (b) A dry run changes no byte, and names the plain I/O it could not preview
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_dry_run_changes_no_byte_and_names_what_it_cannot_preview(
    kind: str, twins: Twins, comparison_env: ComparisonEnv
) -> None:
    """Every expectation is checked and all that fail are listed together: each line says
    what is expected."""
    _, sandbox = twins(kind)
    before = every_byte(sandbox)

    report = comparison_env.ours_json(sandbox, "run", "--dry-run", code=None)

    differences = compare(before, every_byte(sandbox))
    assert differences == [], (
        f"a dry run on {kind} changes no byte of the project or of HOME (databases and"
        f" both systems' records included): {differences}"
    )
    assert report["dry_run"] is True and finished(report), report
    problems: list[str] = []
    seen = statuses(report)
    would_run = {n for n, s in seen.items() if s != "not_applicable"}
    if would_run != set(APPLIED_BY_ORIGINAL[kind]):
        problems.append(
            f"the dry run lists as pending exactly what the original applies on {kind}:"
            f" missing {sorted(set(APPLIED_BY_ORIGINAL[kind]) - would_run)},"
            f" extra {sorted(would_run - set(APPLIED_BY_ORIGINAL[kind]))}"
        )
    for name in sorted(would_run & set(APPLIED_BY_ORIGINAL[kind])):
        if seen[name] != "pending":
            problems.append(
                f"{name} is reported as pending (it would run now), not {seen[name]!r}:"
                f" {outcomes(report)[name]['reason']}"
            )

    found = outcomes(report)
    for name, paths in PLAIN_IO[kind].items():
        for path in paths:
            if not mentions(found[name], sandbox, path):
                problems.append(
                    f"the dry run reports that {name} tried plain I/O on {path}, which it"
                    " could not preview"
                )
        source = f"{MODULE_OF[name]}.py:"
        if source not in json.dumps(found[name]):
            problems.append(
                f"the report names the file:line of {name}'s code that tried plain I/O"
                f" ({source}...), not the framework's or the CLI's"
            )
    if kind in OLD_KINDS:
        if not any(
            p["path"] == ".kuzu-memory/config.json" and p["action"] == "modify"
            for p in found["config_defaults_v1.7.0"]["planned"]
        ):
            problems.append(
                "config_defaults_v1.7.0 writes through write_json: its change is previewed"
            )
        for name, statements in STATEMENTS.items():
            for statement in statements:
                if statement not in json.dumps(found[name]):
                    problems.append(f"the dry run shows that {name} would run {statement!r}")
    assert problems == [], "\n".join(problems) + "\n\n" + json.dumps(found, indent=2)


# ---------------------------------------------------------------------------------------------
# (c) rollback NAME restores every byte
# ---------------------------------------------------------------------------------------------

FILE_MIGRATIONS_IN_REVERSE = (
    "cleanup_old_logs_v1.8.0",
    "async_hooks_v1.6.33",
    "bash_hooks_v1.7.0",
    "config_defaults_v1.7.0",
)
"""The migrations that change files on the old project, newest first."""


@pytest.mark.parametrize("kind", OLD_KINDS)
def test_rollback_restores_every_byte_of_each_file_migration(
    kind: str, twins: Twins, comparison_env: ComparisonEnv
) -> None:
    _, sandbox = twins(kind)
    before = sandbox_tree(sandbox)
    report = run_ours(comparison_env, sandbox)
    assert all(statuses(report).get(n) == "applied" for n in FILE_MIGRATIONS_IN_REVERSE), (
        f"precondition: the file migrations are applied: {statuses(report)}"
    )
    current = sandbox_tree(sandbox)

    for name in FILE_MIGRATIONS_IN_REVERSE:
        done = comparison_env.ours(sandbox, "rollback", name, "--yes", "--json", code=None)
        assert done.returncode == 0, f"rollback {name} succeeds:\n{done.stdout}\n{done.stderr}"
        after = sandbox_tree(sandbox)
        own = set(FILES_CHANGED_BY[name])
        restored = {p for p in own if after.get(p) != before.get(p)}
        assert restored == set(), (
            f"rollback {name} puts back every byte of what it created, changed or deleted"
            f" (absent again where it was absent): still different: {sorted(restored)}"
        )
        others = [line for line in compare(current, after) if line[9:] not in own]
        assert others == [], f"rollback {name} touches nothing of the other migrations: {others}"
        current = after

    left = [line for line in compare(before, current) if line[9:] != DATABASE_OF[kind]]
    assert left == [], (
        f"with the four file migrations rolled back, only the database differs: {left}"
    )


# ---------------------------------------------------------------------------------------------
# (d) The four database migrations
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", OLD_KINDS)
def test_the_four_database_migrations_succeed_as_the_original_does(
    kind: str, twins: Twins, comparison_env: ComparisonEnv
) -> None:
    from kuzu_memory_migrations.testing.projects import memory_rows, table_columns

    database = DATABASE_OF[kind]
    original, ours = twins(kind)
    done = comparison_env.original(original)
    for name in DATABASE_MIGRATIONS:
        assert done.result(name)["success"], f"precondition: the original applies {name}"

    report = run_ours(comparison_env, ours)

    found = outcomes(report)
    for name in DATABASE_MIGRATIONS:
        outcome = found.get(name, {})
        assert outcome.get("status") == "applied", (
            f"{name} succeeds on the old project's database ({database}):"
            f" {json.dumps(outcome, indent=2)}"
        )
        assert outcome.get("changes") == done.result(name)["changes"], (
            f"{name} reports the changes the original reports"
        )
    columns = table_columns(ours.root / database, "Memory")
    assert columns == table_columns(original.root / database, "Memory"), (
        "Memory has the original's columns, in its order"
    )
    for column in ("knowledge_type", "project_tag", "accessed_at", "access_count"):
        assert column in columns, f"Memory.{column} was added"
    theirs, mine = memory_rows(original.root / database), memory_rows(ours.root / database)
    assert [row["id"] for row in mine] == [row["id"] for row in theirs], "the same memories"
    different = [
        f"{a['id']} {column}: original {a[column]!r}, ours {b.get(column, '<absent>')!r}"
        for a, b in zip(theirs, mine, strict=True)
        for column in a
        if a[column] != b.get(column, "<absent>")
    ]
    assert different == [], (
        "every memory row holds what the original leaves (column defaults on the old rows,"
        " back-filled content_hash):\n" + "\n".join(different)
    )
    for other in set(DATABASE_OF.values()) - {database}:
        assert not (ours.root / other).exists(), (
            f"the database is changed where it is, as the original does: no {other} is created"
        )


def test_a_database_held_open_defers_the_four_and_they_run_when_it_is_released(
    twins: Twins, comparison_env: ComparisonEnv
) -> None:
    """The original skips them silently while locked (check_applicable is False) and runs
    them at the next start-up; ours defers them, changing nothing in the database."""
    from kuzu_memory_migrations.testing.projects import held_open

    original, ours = twins("old")
    with held_open(original.root / DATABASE):
        first = comparison_env.original(original)
    assert set(first.applied) == set(APPLIED_BY_ORIGINAL["old"]) - set(DATABASE_MIGRATIONS)
    assert set(comparison_env.original(original).applied) == set(DATABASE_MIGRATIONS)

    database = sandbox_tree(ours)[DATABASE]
    with held_open(ours.root / DATABASE):
        report = run_ours(comparison_env, ours)
    deferred = {n: statuses(report).get(n) for n in DATABASE_MIGRATIONS}
    assert deferred == dict.fromkeys(DATABASE_MIGRATIONS, "deferred"), (
        f"with the database held by another process the four are deferred: {deferred}"
    )
    assert sandbox_tree(ours)[DATABASE] == database, "nothing in the database changed"
    assert [n for n in APPLIED_BY_ORIGINAL["old"] if statuses(report).get(n) == "applied"] == [
        n for n in APPLIED_BY_ORIGINAL["old"] if n not in DATABASE_MIGRATIONS
    ], "the file migrations still ran"

    second = run_ours(comparison_env, ours)
    assert {n: statuses(second).get(n) for n in DATABASE_MIGRATIONS} == dict.fromkeys(
        DATABASE_MIGRATIONS, "applied"
    ), f"released, the next run applies the four: {statuses(second)}"
    differences = compare(comparable(original), comparable(ours))
    assert differences == [], (
        f"in the end the project is as the original leaves it:\n"
        f"{explain(original, ours, differences)}"
    )


def test_memories_the_original_deletes_can_be_brought_back(
    tmp_path: Path, comparison_env: ComparisonEnv
) -> None:
    """Where the original is no reference: its data_maintenance_v1.9.0 deletes an expired
    memory and the older of two with the same content. Ours runs the same code, so it may
    delete them too; but then `rollback --force` (it restores a database copy) must bring
    them back: nothing is ever lost."""
    from km1211_support import (
        DUPLICATE_ID,
        EXPIRED_ID,
        add_rows_the_original_purges,
        build_old,
    )
    from kuzu_memory_migrations.testing.projects import memory_rows

    source = build_old(tmp_path / "src" / "project", tmp_path / "src" / "home")
    add_rows_the_original_purges(source.root / DATABASE)
    original, ours = source.copy(tmp_path / "original"), source.copy(tmp_path / "ours")
    ids = {row["id"] for row in memory_rows(source.root / DATABASE)}

    done = comparison_env.original(original)
    changes = done.result("data_maintenance_v1.9.0")["changes"]
    assert "Purged 1 expired memory record(s)" in changes, changes
    assert "Removed 1 duplicate memory record(s)" in changes, changes
    assert {row["id"] for row in memory_rows(original.root / DATABASE)} == ids - {
        EXPIRED_ID,
        DUPLICATE_ID,
    }, "precondition: the original deletes the expired memory and the older duplicate"

    report = run_ours(comparison_env, ours)

    outcome = outcomes(report).get("data_maintenance_v1.9.0")
    assert statuses(report).get("data_maintenance_v1.9.0") == "applied", (
        f"data_maintenance_v1.9.0 runs on the old project: {json.dumps(outcome, indent=2)}"
    )
    lost = ids - {row["id"] for row in memory_rows(ours.root / DATABASE)}
    if lost:
        undo = comparison_env.ours(
            ours, "rollback", "data_maintenance_v1.9.0", "--yes", "--force", "--json", code=None
        )
        assert undo.returncode == 0, (
            f"data_maintenance_v1.9.0 deleted {sorted(lost)}: rollback must bring them back,"
            f" it was refused:\n{undo.stdout}\n{undo.stderr}"
        )
        back = {row["id"] for row in memory_rows(ours.root / DATABASE)}
        assert lost <= back, f"rollback brings back every deleted memory: {sorted(lost - back)}"
