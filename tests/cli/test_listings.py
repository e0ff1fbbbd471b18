"""No name is ever cut, at any width, in a terminal or a pipe; off a terminal, listings are
plain aligned lines that grep, cut and awk can use (docs/reference/cli.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_support import (
    DISTRIBUTION,
    ENTRY_POINT,
    HOOKS,
    LATER,
    NAMES,
    NOTHING,
    SETTINGS,
    SETTINGS_FILE,
    VERSION,
    WIDTHS,
    Output,
    Pack,
    in_pipe,
    in_terminal,
)

MODES = ("pipe", *WIDTHS)


def cli(mode: str | int, *args: str, pack: Pack, root: Path) -> Output:
    at = ("--project-root", str(root))
    if mode == "pipe":
        return in_pipe(*args, *at, env=pack.env)
    return in_terminal(*args, *at, columns=int(mode), env=pack.env)


def names_line(line: str) -> bool:
    """A row's names, as a narrow terminal shows them: fields two spaces apart, from the
    first column (the free text below is indented)."""
    return not line.startswith(" ") and "  " in line


def assert_whole(output: Output, mode: str | int, *identifiers: str) -> None:
    """Every identifier on one line, whole; nothing ellipsised; in a terminal, no line
    wider than the terminal unless it is one word that no line could hold, or a row's
    names, which are never broken."""
    assert "…" not in output.text, output.text
    for identifier in identifiers:
        assert any(identifier in line for line in output.lines), (identifier, output.text)
    if mode != "pipe":
        for line in output.lines:
            fits = len(line) <= int(mode) or len(line.split()) == 1 or names_line(line)
            assert fits, (line, output.text)


def applied(pack: Pack, root: Path) -> dict[str, str]:
    """Run every migration; the timestamps the history recorded, by name."""
    assert in_pipe("run", "--project-root", str(root), env=pack.env).code == 0
    state = json.loads((root / ".kuzu-memory" / "migration_state.json").read_text())
    return {entry["name"]: entry["timestamp"] for entry in state["history"]}


@pytest.mark.parametrize("mode", MODES)
def test_status_and_plan_show_every_name_and_reason_whole(
    mode: str | int, long_pack: Pack, long_project: Path
) -> None:
    status = cli(mode, "status", pack=long_pack, root=long_project)
    plan = cli(mode, "plan", pack=long_pack, root=long_project)

    assert status.code == plan.code == 0
    assert_whole(status, mode, SETTINGS, HOOKS, LATER, DISTRIBUTION, str(long_project))
    assert_whole(plan, mode, *NAMES, DISTRIBUTION, SETTINGS_FILE, str(long_project))
    words = " ".join(plan.text.split())
    assert f"after {SETTINGS}; whether it has work is checked then" in words
    assert f"Rewrite {SETTINGS_FILE} so that the hook command runs asynchronously" in words


@pytest.mark.parametrize("mode", MODES)
def test_run_and_history_show_names_versions_and_timestamps_whole(
    mode: str | int, long_pack: Pack, long_project: Path
) -> None:
    dry = cli(mode, "run", "--dry-run", pack=long_pack, root=long_project)
    assert dry.code == 0
    assert_whole_lines = [line for line in dry.lines if not line.startswith(("+", "-", " "))]
    assert_whole(Output(0, "\n".join(assert_whole_lines)), mode, SETTINGS, HOOKS, LATER)

    timestamps = applied(long_pack, long_project)
    history = cli(mode, "history", "--verbose", pack=long_pack, root=long_project)

    assert history.code == 0
    assert_whole(history, mode, SETTINGS, HOOKS, LATER, VERSION, *timestamps.values())
    assert f"{DISTRIBUTION} {VERSION} via run" in " ".join(history.text.split())


@pytest.mark.parametrize("mode", MODES)
def test_plugins_shows_entry_point_distribution_and_version_whole(
    mode: str | int, long_pack: Pack, long_project: Path
) -> None:
    output = cli(mode, "plugins", pack=long_pack, root=long_project)

    assert output.code == 0
    assert_whole(output, mode, ENTRY_POINT, DISTRIBUTION, VERSION)


@pytest.mark.parametrize("mode", MODES)
def test_drift_hints_name_the_command_and_the_migration_whole(
    mode: str | int, long_pack: Pack, long_project: Path
) -> None:
    applied(long_pack, long_project)
    source = long_pack.module.read_text()
    long_pack.module.write_text(source.replace('"hooks made asynchronous"', '"hooks: async"'))

    status = cli(mode, "status", pack=long_pack, root=long_project)
    check = cli(mode, "check", "--strict", pack=long_pack, root=long_project)

    assert_whole(status, mode, HOOKS, str(long_pack.module))
    words = " ".join(status.text.split())
    assert f"`kuzu-memory-migrations repair {HOOKS}` accepts it" in words
    assert check.code == 1
    assert_whole(check, mode, HOOKS)


@pytest.mark.parametrize("mode", MODES)
def test_stamp_forget_repair_and_rollback_messages_keep_names_whole(
    mode: str | int, long_pack: Pack, long_project: Path
) -> None:
    stamp = cli(mode, "stamp", SETTINGS, HOOKS, pack=long_pack, root=long_project)
    forget = cli(mode, "forget", "--yes", HOOKS, pack=long_pack, root=long_project)
    run = cli(mode, "run", pack=long_pack, root=long_project)
    rollback = cli(mode, "rollback", "--yes", LATER, pack=long_pack, root=long_project)
    repair = cli(mode, "repair", "--dry-run", pack=long_pack, root=long_project)

    assert (stamp.code, forget.code, run.code, rollback.code, repair.code) == (0, 0, 0, 0, 0)
    assert_whole(stamp, mode, SETTINGS, HOOKS)
    assert_whole(forget, mode, HOOKS)
    assert_whole(run, mode, HOOKS, LATER, DISTRIBUTION)
    assert_whole(rollback, mode, LATER)
    assert_whole(repair, mode)


def test_plain_lines_are_aligned_fields_for_grep_cut_and_awk(
    long_pack: Pack, long_project: Path
) -> None:
    """Off a terminal, each row is one line: its names, aligned, then the free text."""
    plan = in_pipe("plan", "--project-root", str(long_project), env=long_pack.env)

    rows = [line for line in plan.lines if line.startswith("acme_")]
    assert len(rows) == len(NAMES)
    fields = {row.split()[0]: row.split(None, 4) for row in rows}
    assert set(fields) == set(NAMES)
    assert {f[1] for f in fields.values()} == {DISTRIBUTION}
    assert fields[NOTHING][3] == "not_applicable"  # one word, as in the JSON
    assert fields[LATER][4] == f"after {SETTINGS}; whether it has work is checked then"
    starts = {tuple(m.start() for m in re.finditer(r"\S+", row))[:4] for row in rows}
    assert len(starts) == 1, rows  # aligned: each field starts in the same column
    pending = [r.split()[0] for r in rows if r.split()[3] == "pending"]  # awk '$4 == ...'
    assert sorted(pending) == sorted([SETTINGS, HOOKS, LATER])
    assert "\x1b[" not in plan.text  # no colour codes in a pipe

    timestamps = applied(long_pack, long_project)
    history = in_pipe("history", "--project-root", str(long_project), env=long_pack.env)
    lines = {line.split()[1]: line.split(None, 5) for line in history.lines[1:]}
    assert {name: f[0] for name, f in lines.items()} == timestamps
    assert lines[SETTINGS][3:5] == ["1.0.0", "ok"]


@pytest.mark.parametrize("command", ["status", "plan", "history"])
def test_a_narrow_terminal_keeps_each_rows_names_on_one_line(
    command: str, long_pack: Pack, long_project: Path
) -> None:
    """At 60 columns the names do not fit: each row is its names on one line, never broken
    (a status alone at the start of a line would read as a new row), its text below."""
    if command == "history":
        applied(long_pack, long_project)
    shown = cli(60, command, pack=long_pack, root=long_project)
    assert shown.code == 0
    rows = [line for line in shown.lines if line.startswith(("acme_", "20"))]
    assert rows, shown.text
    for row in rows:
        fields = row.split()
        assert DISTRIBUTION in fields or "1.0.0" in fields, (row, shown.text)
        assert fields[-1] in {"pending", "not", "applicable", "ok"}, (row, shown.text)
    assert not any(line.lstrip() in {"pending", "ok"} for line in shown.lines), shown.text


def test_history_says_when_it_leaves_older_entries_out(long_pack: Pack, long_project: Path) -> None:
    applied(long_pack, long_project)
    at = ("--project-root", str(long_project))
    everything = in_pipe("history", *at, env=long_pack.env)
    assert everything.lines[0] == f"History of {long_project}"
    total = len(everything.lines) - 1
    newest = in_pipe("history", "--limit", "2", *at, env=long_pack.env)
    assert newest.lines[0] == f"History of {long_project}: showing 2 of {total} (use --limit)"
    assert newest.lines[1:] == everything.lines[-2:]
