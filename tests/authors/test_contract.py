"""The pack contract checks: a tidy pack passes every one, each defect is caught and named."""

from __future__ import annotations

from pathlib import Path

import pytest
from kuzu_memory_migrations.testing.contract import PackChecks, PackContract, check_pack


class TestTidyPackContract(PackContract):
    """The way a pack's own suite uses the checks: one subclass, one test per check."""

    plugins = ("tidy_pack",)


def checks(tmp_path: Path, *plugins: str, **options: object) -> PackChecks:
    return PackChecks(tuple(plugins), tmp_path, **options)  # type: ignore[arg-type]


def test_check_pack_passes_a_tidy_pack(tmp_path: Path, kuzu_home: Path) -> None:
    check_pack("tidy_pack", workdir=tmp_path)


def test_plain_python_writes_pass_they_are_journaled(tmp_path: Path, kuzu_home: Path) -> None:
    plain = checks(tmp_path, "plain_writer_pack")
    assert plain.failure_rolled_back("plain_note") == ([], None)
    assert plain.dry_run_changes_nothing("fresh") == []
    check_pack("plain_writer_pack", workdir=tmp_path)


def test_writes_no_journal_sees_are_caught(tmp_path: Path, kuzu_home: Path) -> None:
    leaky = checks(tmp_path, "leaky_pack")

    problems, skipped = leaky.failure_rolled_back("leaky_note")
    assert skipped is None
    assert problems == [
        "leaky_note on the old project, after the rollback: created .kuzu-memory/note.txt"
    ]
    assert leaky.dry_run_changes_nothing("fresh") == []  # the subprocess is refused there
    with pytest.raises(AssertionError, match="leaky_note on the old project"):
        check_pack("leaky_pack", workdir=tmp_path)


def test_unjournaled_paths_can_be_declared(tmp_path: Path, kuzu_home: Path) -> None:
    """A file written on purpose outside the journal (an audit log, say) can be exempted."""
    leaky = checks(tmp_path, "leaky_pack", unjournaled=(".kuzu-memory/note.*",))

    assert leaky.failure_rolled_back("leaky_note") == ([], None)


def test_database_changes_outside_the_transaction_are_caught(
    tmp_path: Path, kuzu_home: Path
) -> None:
    problems, _ = checks(tmp_path, "database_leak_pack").failure_rolled_back("own_connection")

    # The first project it has work on is the old one, whose database is in kuzu-memories/.
    assert problems == [
        "own_connection on the old project, after the rollback: changed kuzu-memories/memories.db"
    ]


def test_a_migration_that_is_not_idempotent_is_caught(tmp_path: Path, kuzu_home: Path) -> None:
    problems = checks(tmp_path, "repeating_pack").second_run_changes_nothing()

    assert problems == [
        "old project: run after the state was forgotten (as after `reset`): "
        "changed .kuzu-memory/repeated.txt; changed by append_line"
    ]


def test_attribute_defects_are_caught_and_named(tmp_path: Path, kuzu_home: Path) -> None:
    misdeclared = checks(tmp_path, "misdeclared_pack")

    assert misdeclared.names_unique() == [
        "migration name 'twin' is defined by misdeclared_pack and misdeclared_pack; "
        "neither runs until one is renamed or uninstalled"
    ]
    versions = misdeclared.versions_valid()
    assert any("'BadVersion'" in line and "one.two" in line for line in versions)
    assert (
        "empty_range: from_version 2.0 is not before to_version 1.0: it can never run" in versions
    )
    dependencies = misdeclared.dependencies_resolvable()
    assert any(line.startswith("orphan: depends on provided_by_nobody") for line in dependencies)
    assert all("requires" in line for line in dependencies if line.startswith("orphan"))
    assert any(line.startswith("cycle_a: dependency cycle") for line in dependencies)


def test_a_pack_that_does_not_import_is_reported(tmp_path: Path, kuzu_home: Path) -> None:
    problems = checks(tmp_path, "no_such_pack_module").loads()

    assert any("no_such_pack_module" in line and "ModuleNotFoundError" in line for line in problems)
    assert "plugin 'no_such_pack_module' contributes no migration" in problems
