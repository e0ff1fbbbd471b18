"""A long data migration shows a progress bar to a person at a terminal, and nothing of it
in a pipe or with --json (scripts parse that output)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from cli_support import in_pipe, in_terminal
from kuzu_memory_migrations.testing.projects import build_project_1_12

MEMORIES = 12
LABEL = "tagging memories"
SOURCE = textwrap.dedent(
    f'''
    import time

    from kuzu_memory_migrations import DataMigration, MigrationResult, hookimpl


    class Tagged(DataMigration):
        """Look at every memory, a few at a time, slowly enough to be watched."""

        name = "progress_memories_tagged"
        batch_size = 3

        def check_applicable(self) -> bool:
            return True

        def migrate(self) -> MigrationResult:
            seen = 0
            cypher = (
                "MATCH (m:Memory) WHERE m.id > $after RETURN m.id AS id ORDER BY m.id LIMIT $limit"
            )
            for batch in self.iter_batches(cypher, label={LABEL!r}, total={MEMORIES}):
                time.sleep(0.4)
                seen += len(batch)
            return MigrationResult(success=True, message=f"looked at {{seen}} memories")


    @hookimpl
    def register_migrations():
        return [Tagged]
    '''
)


@pytest.fixture
def slow_pack(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "progress_pack.py").write_text(SOURCE)
    return {
        "PYTHONPATH": str(site),
        "KUZU_MEMORY_MIGRATIONS_DISABLE_AUTOLOAD": "1",
        "KUZU_MEMORY_MIGRATIONS_PLUGINS": "progress_pack",
        "PYTHONDONTWRITEBYTECODE": "1",
        "HOME": str(tmp_path / "home"),
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    build_project_1_12(root, memories=MEMORIES)
    return root


def test_a_terminal_shows_the_progress_of_a_long_migration(
    project: Path, slow_pack: dict[str, str]
) -> None:
    output = in_terminal("run", "--project-root", str(project), columns=100, env=slow_pack)
    assert output.code == 0, output.text
    assert LABEL in output.text, output.text
    assert f"/{MEMORIES}" in output.text  # the bar counts rows against the total
    assert f"looked at {MEMORIES} memories" in output.text


def test_a_pipe_and_json_show_no_progress(project: Path, slow_pack: dict[str, str]) -> None:
    piped = in_pipe("run", "--project-root", str(project), "--dry-run", env=slow_pack)
    assert piped.code == 0, piped.text
    assert LABEL not in piped.text and "\r" not in piped.text

    scripted = in_pipe("run", "--project-root", str(project), "--json", env=slow_pack)
    assert scripted.code == 0, scripted.text
    report = json.loads(scripted.text)  # nothing but the document
    assert report["outcomes"][0]["status"] == "applied"
