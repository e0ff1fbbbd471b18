"""A dry run's diffs print whole lines at any width, and mark a missing final newline as
unified diffs do, so that `-` and `+` lines never look alike and the diff applies."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cli_support import (
    AFTER,
    BEFORE,
    LONG_COMMAND,
    SETTINGS_FILE,
    WIDTHS,
    Pack,
    in_pipe,
    in_terminal,
)

NO_NEWLINE = "\\ No newline at end of file"
OLD = f'-  "command": "{LONG_COMMAND}"'
NEW = f'+  "command": "{LONG_COMMAND}",'


@pytest.mark.parametrize("mode", ("pipe", *WIDTHS))
def test_diff_lines_are_whole_and_the_missing_newline_is_marked(
    mode: str | int, long_pack: Pack, long_project: Path
) -> None:
    args = ("run", "--dry-run", "--project-root", str(long_project))
    if mode == "pipe":
        output = in_pipe(*args, env=long_pack.env)
    else:
        output = in_terminal(*args, columns=int(mode), env=long_pack.env)

    assert output.code == 0, output.text
    lines = output.lines
    assert OLD in lines and NEW in lines, output.text  # the trailing comma is there, whole
    after_old = lines[lines.index(OLD) + 1 :][:5]
    assert after_old == ["-}", NO_NEWLINE, NEW, '+  "async": true', "+}"], output.text
    assert "-}+}" not in output.text
    assert (long_project / SETTINGS_FILE).read_text() == BEFORE  # a dry run changes nothing


def test_the_json_diff_applies_with_git_apply_as_the_run_changes_the_file(
    long_pack: Pack, long_project: Path, tmp_path: Path
) -> None:
    output = in_pipe(
        "run", "--dry-run", "--json", "--project-root", str(long_project), env=long_pack.env
    )
    report = json.loads(output.text)
    [change] = [c for o in report["outcomes"] for c in o["planned"] if c["path"] == SETTINGS_FILE]
    assert change["diff"].count(NO_NEWLINE) == 1  # the old last line; the new one has it
    patch = tmp_path / "change.patch"
    patch.write_text(change["diff"])

    subprocess.run(["git", "apply", "--unsafe-paths", str(patch)], cwd=long_project, check=True)

    assert (long_project / SETTINGS_FILE).read_text() == AFTER
