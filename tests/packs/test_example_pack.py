"""The example third-party pack: cross-pack dependency, version axis, veto, audit wrapper.

The two packs are made installed distributions for these tests: a `.dist-info` with their
entry points on sys.path (what `pip install` leaves), so plugin names, distributions and
versions are real to the framework; the code is imported from the source folders.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from kuzu_memory_migrations import Status
from kuzu_memory_migrations.engine.runner import Mode
from kuzu_memory_migrations.testing.projects import build_project_1_6
from packs_support import REPO, migrate, outcome, statuses

TEAM = "example_team_defaults_v0.1.0"
IGNORE = "example_ignore_audit_log_v1.12.0"
EXAMPLE = (TEAM, IGNORE)


def _dist(site: Path, name: str, version: str, entry_point: str) -> None:
    folder = site / f"{name.replace('-', '_')}-{version}.dist-info"
    folder.mkdir(parents=True)
    (folder / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (folder / "entry_points.txt").write_text(f"[kuzu_memory.migrations]\n{entry_point}\n")


@pytest.fixture
def installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, load: Callable[..., None]
) -> Callable[..., None]:
    """Install both packs (upgrades at `version`) and load them, plus `extra` plugins."""

    def install(version: str = "1.12.11", *extra: str, upgrades: bool = True) -> None:
        site = tmp_path / f"site-{version}"
        _dist(
            site,
            "kuzu-memory-upgrades",
            version,
            "kuzu_memory_upgrades = kuzu_memory_upgrades.plugin",
        )
        _dist(
            site,
            "kuzu-memory-example-pack",
            "0.1.0",
            "kuzu_memory_example_pack = kuzu_memory_example_pack.plugin",
        )
        monkeypatch.syspath_prepend(str(site))
        load(*(["kuzu_memory_upgrades"] if upgrades else []), "kuzu_memory_example_pack", *extra)

    return install


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    build_project_1_6(root)
    return root


def _audit(root: Path) -> list[dict[str, object]]:
    path = root / ".kuzu-memory" / "audit.log"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_pack_requires_the_pack_it_depends_on() -> None:
    pyproject = tomllib.loads((REPO / "plugins/example-pack/pyproject.toml").read_text())
    assert any(d.startswith("kuzu-memory-upgrades") for d in pyproject["project"]["dependencies"])
    entry_points = pyproject["project"]["entry-points"]["kuzu_memory.migrations"]
    assert entry_points == {"kuzu_memory_example_pack": "kuzu_memory_example_pack.plugin"}


def test_runs_after_the_migration_of_the_other_pack_it_depends_on(
    project: Path, installed: Callable[..., None]
) -> None:
    installed()
    report = migrate(project)

    names = [o.name for o in report.outcomes]
    assert names.index("config_defaults_v1.7.0") < names.index(TEAM)
    assert outcome(report, TEAM).status is Status.APPLIED
    assert outcome(report, TEAM).distribution == "kuzu-memory-example-pack"
    config = (project / ".kuzu-memory" / "config.yaml").read_text()
    assert config.index("use_bash_hooks") < config.index("example_pack:")
    assert statuses(migrate(project)).get(TEAM) is None  # applied once


def test_is_blocked_when_the_migration_it_depends_on_fails(
    project: Path, installed: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    installed("1.12.11", "packs_test_plugin")
    monkeypatch.setenv("PACKS_TEST_FAIL_AFTER", "config_defaults_v1.7.0")

    report = migrate(project)

    assert outcome(report, "config_defaults_v1.7.0").status is Status.FAILED
    blocked = outcome(report, TEAM)
    assert blocked.status is Status.BLOCKED
    assert "config_defaults_v1.7.0" in blocked.reason
    assert "example_pack" not in (project / ".kuzu-memory" / "config.yaml").read_text()


@pytest.mark.parametrize(
    ("version", "expected", "reason"),
    [
        ("1.12.11", Status.APPLIED, ""),
        ("1.11.0", Status.OUT_OF_RANGE, "needs kuzu-memory-upgrades >= 1.12.0, installed 1.11.0"),
    ],
)
def test_reads_its_version_range_against_kuzu_memory_upgrades(
    project: Path, installed: Callable[..., None], version: str, expected: Status, reason: str
) -> None:
    installed(version)
    report = migrate(project)
    result = outcome(report, IGNORE)
    assert result.status is expected
    assert reason in result.reason
    gitignore = project / ".kuzu-memory" / ".gitignore"
    assert (gitignore.exists() and "audit.log" in gitignore.read_text()) is (
        expected is Status.APPLIED
    )


def test_vetoes_its_own_migrations_when_the_environment_says_so(
    project: Path, installed: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    installed()
    monkeypatch.setenv("KUZU_MEMORY_EXAMPLE_PACK_DISABLE", "1")
    report = migrate(project)
    for name in EXAMPLE:
        assert outcome(report, name).status is Status.VETOED
        assert "vetoed by plugin 'kuzu_memory_example_pack'" in outcome(report, name).reason
    assert outcome(report, "config_defaults_v1.7.0").status is Status.APPLIED  # others run


def test_vetoes_its_own_migrations_when_the_config_says_so(
    project: Path, installed: Callable[..., None]
) -> None:
    installed()
    config = project / ".kuzu-memory" / "config.yaml"
    config.write_text(config.read_text() + "example_pack:\n  enabled: false\n")
    report = migrate(project)
    assert {outcome(report, name).status for name in EXAMPLE} == {Status.VETOED}


def test_the_audit_log_has_a_line_per_applied_migration(
    project: Path, installed: Callable[..., None]
) -> None:
    installed()
    report = migrate(project)

    applied = [o.name for o in report.outcomes if o.status is Status.APPLIED]
    lines = _audit(project)
    assert [line["migration"] for line in lines] == applied
    assert all(line["status"] == "applied" and line["trigger"] == "run" for line in lines)
    assert {line["type"] for line in lines} >= {"structure", "schema", "config", "cleanup"}


def test_the_audit_log_records_a_failure_that_was_rolled_back(
    project: Path, installed: Callable[..., None]
) -> None:
    installed("1.12.11", "packs_midway_plugin", upgrades=False)
    report = migrate(project)

    assert outcome(report, "database_location_v1.6.39").status is Status.FAILED
    failure = next(e for e in _audit(project) if e["migration"] == "database_location_v1.6.39")
    assert failure["status"] == "failed"
    assert "MidwayFailure" in str(failure["message"])
    assert (project / "kuzu-memories" / "memories.db").exists()  # the move was undone


def test_a_failing_audit_log_never_breaks_a_migration(
    project: Path, installed: Callable[..., None]
) -> None:
    installed()
    (project / ".kuzu-memory" / "audit.log").mkdir()  # cannot be appended to
    report = migrate(project)
    assert report.ok
    assert outcome(report, TEAM).status is Status.APPLIED


def test_a_dry_run_writes_no_audit_log(project: Path, installed: Callable[..., None]) -> None:
    installed()
    report = migrate(project, Mode.DRY_RUN)
    assert not (project / ".kuzu-memory" / "audit.log").exists()
    # its messages say what would be done, not that it was
    assert outcome(report, "example_team_defaults_v0.1.0").reason.startswith("Would add")
    assert outcome(report, "example_ignore_audit_log_v1.12.0").reason.endswith(
        "would be ignored by git"
    )
