"""What scripts rely on, through the real CLI in a subprocess: a root that is not a project is
a usage error and nothing is created there; exit codes tell the truth; `--json` is always
one JSON document on stdout, errors included; the project stays tidy."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from kuzu_memory_migrations.cli.commands.scaffold import EXISTS, NOT_A_PACK
from kuzu_memory_migrations.cli.shapes import COMMANDS as SHAPES
from kuzu_memory_migrations.cli.shapes import error_codes, reference
from kuzu_memory_migrations.engine.layout import ProjectLayout
from kuzu_memory_migrations.engine.locking import project_lock
from kuzu_memory_migrations.testing.projects import build_project_1_12, held_open

COMMANDS = [
    ["status"],
    ["plan"],
    ["check"],
    ["run"],
    ["run", "--dry-run"],
    ["history"],
    ["stamp", "anything"],
    ["forget", "anything", "--yes"],
    ["repair"],
    ["rollback", "anything", "--yes"],
    ["reset", "--yes"],
]


def cli(
    home: Path,
    *args: str,
    plugins: tuple[str, ...] = ("ordered_pack",),
    cwd: Path | None = None,
    variables: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUZU_MEMORY_MIGRATIONS_")}
    env.update(
        HOME=str(home),
        PYTHONPATH=os.pathsep.join(
            [str(Path(__file__).parents[1] / "plugins"), env.get("PYTHONPATH", "")]
        ),
        KUZU_MEMORY_MIGRATIONS_DISABLE_AUTOLOAD="1",
        KUZU_MEMORY_MIGRATIONS_PLUGINS=",".join(plugins),
        COLUMNS="80",
    )
    env.update(variables or {})
    return subprocess.run(
        [sys.executable, "-m", "kuzu_memory_migrations", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("root", ["missing", "no-memory-folder"])
def test_a_root_that_is_not_a_project_is_refused_and_nothing_is_created(
    tmp_path: Path, isolated_environment: Path, command: list[str], root: str
) -> None:
    folder = tmp_path / root
    if root == "no-memory-folder":
        folder.mkdir()
    done = cli(isolated_environment, *command, "--project-root", str(folder))
    assert done.returncode == 64, done.stderr
    assert str(folder) in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0, done.stderr  # one line
    assert not folder.exists() or not any(folder.iterdir()), "something was created"
    assert "pass --project-root" not in done.stderr  # it was passed

    if root == "missing":  # the same refusal, as one JSON document
        as_json = cli(isolated_environment, *command, "--project-root", str(folder), "--json")
        error = json.loads(as_json.stdout)["error"]
        assert error["code"] == "not_a_project"
        assert error["exit_code"] == 64 and str(folder) in error["message"]


def test_errors_are_json_too_when_json_is_asked_for(
    project: Path, isolated_environment: Path
) -> None:
    state = project / ".kuzu-memory" / "migration_state.json"
    state.write_text("{")
    for command in (["run"], ["status"], ["check"], ["stamp", "add_alpha"], ["history"]):
        done = cli(isolated_environment, *command, "--project-root", str(project), "--json")
        document = json.loads(done.stdout)
        assert document["error"]["code"] == "state", (command, document)
        assert str(state) in document["error"]["message"] and done.returncode == 1
    state.unlink()
    with project_lock(ProjectLayout(project), wait=0):
        done = cli(
            isolated_environment,
            "run",
            "--lock-timeout",
            "0",
            "--project-root",
            str(project),
            "--json",
        )
    assert json.loads(done.stdout)["error"]["code"] == "lock_held" and done.returncode == 75


def test_exit_codes_of_run_and_check(
    tmp_path: Path, isolated_environment: Path, use_plugins: Callable[..., None]
) -> None:
    root = tmp_path / "project"
    database = build_project_1_12(root)
    with held_open(database):  # the database migration can only be deferred
        deferred = cli(
            isolated_environment,
            "run",
            "--project-root",
            str(root),
            plugins=("reliability_db_pack",),
        )
        assert deferred.returncode == 75, deferred.stdout + deferred.stderr
        check = cli(
            isolated_environment,
            "check",
            "--project-root",
            str(root),
            plugins=("reliability_db_pack",),
        )
        assert check.returncode in {2, 1}
    applied = cli(
        isolated_environment, "run", "--project-root", str(root), plugins=("reliability_db_pack",)
    )
    assert applied.returncode == 0, applied.stdout
    ok = cli(
        isolated_environment, "check", "--project-root", str(root), plugins=("reliability_db_pack",)
    )
    assert ok.returncode == 0 and ok.stdout.startswith("ok")


def test_status_names_what_waits_for_a_held_database_and_is_not_up_to_date(
    tmp_path: Path, isolated_environment: Path, use_plugins: Callable[..., None]
) -> None:
    """A deferred migration is work still to do: status lists it (text and JSON), says why,
    and never says "Up to date"; once the database is free, the run applies it."""
    root = tmp_path / "project"
    database = build_project_1_12(root)
    args = ("--project-root", str(root))
    plugins = ("kuzu-memory-upgrades",)  # its checks read the database, so they wait for it
    with held_open(database):
        shown = cli(isolated_environment, "status", *args, plugins=plugins)
        document = json.loads(
            cli(isolated_environment, "status", "--json", *args, plugins=plugins).stdout
        )
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert document["deferred"], document
    for outcome in document["deferred"]:
        assert outcome["status"] == "deferred" and outcome["name"] in shown.stdout
    assert "Deferred:" in shown.stdout and "held open by another process" in shown.stdout
    assert "Up to date" not in shown.stdout
    assert cli(isolated_environment, "run", *args, plugins=plugins).returncode == 0
    after = json.loads(cli(isolated_environment, "status", "--json", *args, plugins=plugins).stdout)
    assert after["deferred"] == [] and after["pending"] == []


def test_status_shows_a_check_that_fails(project: Path, isolated_environment: Path) -> None:
    """A migration whose check raises is what `check` and `plan` call blocked: so does status.
    Both report and exit 0 all the same; `check` is the gate."""
    (project / ".kuzu-memory" / "config.json").write_text("{")
    done = cli(
        isolated_environment,
        "status",
        "--project-root",
        str(project),
        plugins=("reliability_bad_pack",),
    )
    planned = cli(
        isolated_environment,
        "plan",
        "--json",
        "--project-root",
        str(project),
        plugins=("reliability_bad_pack",),
    )
    plan = json.loads(planned.stdout)
    failing = {o["name"] for o in plan["outcomes"] if o["status"] == "failed"}
    assert failing, plan
    assert done.returncode == planned.returncode == 0
    for name in failing:
        assert name in done.stdout, done.stdout


def test_a_tidy_project_git_ignores_our_folder_and_a_run_leaves_the_database_alone(
    tmp_path: Path, isolated_environment: Path
) -> None:
    root = tmp_path / "project"
    database = build_project_1_12(root)
    (root / ".kuzu-memory" / "config.json").write_text("{}")
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    done = cli(isolated_environment, "run", "--project-root", str(root))
    assert done.returncode in {0, 1}, done.stderr
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
    ignore = ProjectLayout(root).work_dir / ".gitignore"
    assert ignore.read_text().splitlines()[-1] == "*"
    git = subprocess.run(["git", "init", "-q", str(root)], check=False, capture_output=True)
    if git.returncode == 0:
        staged = subprocess.run(
            ["git", "-C", str(root), "add", "-A", "--dry-run"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert ".kuzu-memory/migrations" not in staged, staged


def test_the_json_reference_is_the_shapes_the_commands_print() -> None:
    page = (Path(__file__).parents[2] / "docs" / "reference" / "json.md").read_text()
    start = page.index("-->", page.index("<!-- json-shapes")) + len("-->\n")
    documented = page[start : page.index("<!-- /json-shapes -->")]
    assert documented == reference(), (
        "docs/reference/json.md is out of date: paste kuzu_memory_migrations.cli.shapes.reference()"
    )
    for model in SHAPES.values():  # every shape is described
        assert model.__doc__, model


@pytest.mark.parametrize(
    "command",
    [
        ["status", "--bogus"],
        ["run", "--type", "nosuch"],
        ["status", "--project-root", "{file}"],
        ["history", "--limit", "0"],
    ],
    ids=" ".join,
)
def test_a_usage_error_is_one_json_document_when_json_is_asked_for(
    tmp_path: Path, isolated_environment: Path, command: list[str]
) -> None:
    """Click's own errors too: the error object on stdout, exit 64, nothing on stderr."""
    regular_file = tmp_path / "a-file"
    regular_file.write_text("")
    args = [arg.format(file=regular_file) for arg in command]
    done = cli(isolated_environment, *args, "--json")
    error = json.loads(done.stdout)["error"]
    assert error["code"] == "usage" and error["exit_code"] == 64 == done.returncode
    assert "Value error" not in error["message"] and done.stderr == ""


def test_new_pack_and_new_migration_failures_are_json_too(
    tmp_path: Path, isolated_environment: Path
) -> None:
    packs = tmp_path / "packs"
    made = cli(isolated_environment, "new", "pack", "zz-pack", "--dir", str(packs), "--json")
    assert made.returncode == 0, made.stderr
    again = cli(isolated_environment, "new", "pack", "zz-pack", "--dir", str(packs), "--json")
    assert json.loads(again.stdout)["error"]["code"] == "exists" and again.returncode == 1
    pack = str(packs / "zz-pack")
    add = ("new", "migration", "--type", "data", "zz_data", "--dir", pack, "--json")
    assert cli(isolated_environment, *add).returncode == 0
    twice = cli(isolated_environment, *add)
    assert json.loads(twice.stdout)["error"]["code"] == "exists" and twice.returncode == 1
    badly_named = cli(isolated_environment, *add[:4], "9lives", *add[5:])
    error = json.loads(badly_named.stdout)["error"]
    assert error["code"] == "usage" and error["exit_code"] == 64 == badly_named.returncode
    no_pack = cli(isolated_environment, *add[:5], "--dir", str(tmp_path), "--json")
    assert json.loads(no_pack.stdout)["error"]["code"] == "not_a_pack"
    for done in (again, twice, badly_named, no_pack):
        assert done.stderr == "", done.stderr


@pytest.mark.parametrize("strict", [False, True])
def test_check_names_each_pack_problem_on_stderr(
    project: Path, isolated_environment: Path, strict: bool
) -> None:
    args = ["check", "--project-root", str(project), *(["--strict"] if strict else [])]
    done = cli(isolated_environment, *args, plugins=("ordered_pack", "broken_import"))
    assert done.returncode == (1 if strict else 2), done.stdout + done.stderr
    assert done.stdout.count("\n") == 1 and done.stdout.rstrip().endswith("; 1 problem")
    [warning] = done.stderr.splitlines()
    assert warning.startswith("warning: plugin 'broken_import'") and "broken_import.py:3" in warning


def test_outside_a_project_the_refusal_suggests_project_root(
    tmp_path: Path, isolated_environment: Path
) -> None:
    done = cli(isolated_environment, "status", cwd=tmp_path)
    assert done.returncode == 64 and str(tmp_path) in done.stderr
    assert done.stderr.rstrip().endswith(", or pass --project-root"), done.stderr


@pytest.mark.parametrize("root", ["missing", "no-memory-folder", None])
def test_plugins_needs_no_project(
    tmp_path: Path, isolated_environment: Path, root: str | None
) -> None:
    folder = tmp_path / (root or "")
    if root == "no-memory-folder":
        folder.mkdir()
    args = ["--project-root", str(folder)] if root else []
    done = cli(isolated_environment, "plugins", *args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = {line.split()[0]: line.split() for line in done.stdout.splitlines()[1:]}
    assert "loaded" in rows["ordered_pack"], done.stdout
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("how", ["option", "environment"])
def test_disabling_a_plugin_no_pack_is_called_is_a_usage_error(
    project: Path, isolated_environment: Path, how: str
) -> None:
    """A typo would otherwise let the pack run: exit 64 and the closest names."""
    args = ["status", "--project-root", str(project)]
    if how == "option":
        done = cli(isolated_environment, "--disable-plugin", "ordered_pak", *args)
    else:
        variables = {"KUZU_MEMORY_MIGRATIONS_DISABLE": "ordered_pak"}
        done = cli(isolated_environment, *args, variables=variables)
    assert done.returncode == 64, done.stdout
    assert done.stderr.strip() == (
        "error: unknown plugin 'ordered_pak'; did you mean ordered_pack?"
    ), done.stderr
    known = cli(isolated_environment, "--disable-plugin", "ordered_pack", *args)
    assert known.returncode == 0, known.stderr


def test_invalid_yaml_is_named_by_file_line_and_column_in_one_line(
    tmp_path: Path, isolated_environment: Path
) -> None:
    root = tmp_path / "project"
    build_project_1_12(root)
    config = root / ".kuzu-memory" / "config.yaml"
    lines = config.read_text().splitlines()
    config.write_text("\n".join([*lines, "extra:", "  path: [unclosed", ""]))
    plan = cli(
        isolated_environment,
        "plan",
        "--json",
        "--project-root",
        str(root),
        plugins=("kuzu-memory-upgrades",),
    )
    assert plan.returncode == 0, plan.stderr
    reasons = {o["reason"] for o in json.loads(plan.stdout)["outcomes"] if o["status"] == "failed"}
    assert reasons, plan.stdout
    expected = (
        f"{config}:{len(lines) + 3}:1: invalid YAML: expected ',' or ']', but got "
        f"'<stream end>' (while parsing a flow sequence at {len(lines) + 2}:9)"
    )
    for reason in reasons:
        assert expected in reason and "\n" not in reason, reason


def test_the_lock_holder_is_named_with_its_whole_command_line(
    project: Path, isolated_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = ["/opt/venv/bin/kuzu-memory-migrations", "run", "--project-root", "/a project/x"]
    monkeypatch.setattr(sys, "argv", holder)
    with project_lock(ProjectLayout(project), wait=0):
        done = cli(
            isolated_environment, "run", "--lock-timeout", "0", "--project-root", str(project)
        )
    assert done.returncode == 75
    expected = "(/opt/venv/bin/kuzu-memory-migrations run --project-root '/a project/x')"
    assert expected in done.stderr, done.stderr


def test_every_error_code_the_code_can_give_is_documented() -> None:
    source = Path(__file__).parents[2] / "core" / "src" / "kuzu_memory_migrations"
    found: set[str] = set()
    for module in source.rglob("*.py"):
        text = module.read_text(encoding="utf-8")
        found |= set(re.findall(r'^\s+code = "(\w+)"$', text, re.MULTILINE))
        found |= set(re.findall(r'\bkind="(\w+)"', text))
    found |= {EXISTS, NOT_A_PACK, "usage", "error"}  # new's own; fail()'s defaults
    assert {"rollback_refused", "interrupted", "os", "state"} <= found
    assert found <= set(error_codes()), found - set(error_codes())
