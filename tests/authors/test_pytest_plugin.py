"""The pytest plugin's fixtures, used as a pack's test suite uses them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from kuzu_memory_migrations import Status
from kuzu_memory_migrations.testing.harness import MigrationHarness, statuses
from kuzu_memory_migrations.testing.projects import memory_rows, table_columns
from kuzu_memory_migrations.testing.snapshot import snapshot


@pytest.fixture
def kuzu_migrations_plugins() -> tuple[str, ...]:
    """The override a test module uses to choose its packs."""
    return ("tidy_pack",)


def test_projects_are_realistic_and_home_is_private(
    kuzu_project_1_6: Path, kuzu_project_1_12: Path, kuzu_home: Path
) -> None:
    assert Path.home() == kuzu_home
    assert (kuzu_project_1_6 / "kuzu-memories" / "memories.db").is_file()
    assert (kuzu_project_1_6 / ".claude" / "settings.local.json").is_file()
    database = kuzu_project_1_12 / ".kuzu-memory" / "memories.db"
    assert "source_speaker" in table_columns(database, "Memory")
    assert len(memory_rows(database)) == 3


def test_run_plan_and_state_through_the_real_runner(
    kuzu_project_1_12: Path, kuzu_migrations: MigrationHarness
) -> None:
    plan = kuzu_migrations.plan(kuzu_project_1_12)
    assert [o.name for o in plan.outcomes] == ["tidy_column", "tidy_config", "tidy_scores"]

    report = kuzu_migrations.run(kuzu_project_1_12)

    assert set(statuses(report).values()) == {Status.APPLIED}
    assert kuzu_migrations.applied(kuzu_project_1_12) == [
        "tidy_column",
        "tidy_config",
        "tidy_scores",
    ]
    rows = memory_rows(kuzu_project_1_12 / ".kuzu-memory" / "memories.db")
    assert [row["tidy_score"] for row in rows] == [float(len(r["content"])) for r in rows]
    history = {row.entry.name: row for row in kuzu_migrations.history(kuzu_project_1_12)}
    provenance = history["tidy_scores"].provenance
    assert provenance is not None and provenance.how == "run"


def test_dry_run_through_the_fixture_changes_nothing(
    kuzu_project_1_12: Path, kuzu_migrations: MigrationHarness
) -> None:
    before = snapshot(kuzu_project_1_12, framework=True)

    report = kuzu_migrations.run(kuzu_project_1_12, dry_run=True)

    # The column a dry run would add is not there to read: the data work has nothing yet.
    assert statuses(report) == {
        "tidy_column": Status.PENDING,
        "tidy_config": Status.PENDING,
        "tidy_scores": Status.NOT_APPLICABLE,
    }
    assert snapshot(kuzu_project_1_12, framework=True) == before


def test_the_ini_option_chooses_the_packs_of_an_outside_suite(tmp_path: Path) -> None:
    """A separate pytest process: the plugin comes from the pytest11 entry point alone."""
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent("""\
        [tool.pytest.ini_options]
        kuzu_migrations_plugins = ["tidy_pack"]
    """)
    )
    (tmp_path / "test_outside.py").write_text(
        textwrap.dedent("""\
        import json

        def test_tidy(kuzu_project_1_12, kuzu_migrations):
            report = kuzu_migrations.run(kuzu_project_1_12)
            print("RESULT", json.dumps(sorted(o.name for o in report.outcomes)))
    """)
    )
    environment = {**os.environ, "PYTHONPATH": str(Path(__file__).parent / "packs")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-s", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("RESULT"))
    assert json.loads(line.removeprefix("RESULT ")) == ["tidy_column", "tidy_config", "tidy_scores"]
