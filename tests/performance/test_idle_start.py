"""An idle start in a fresh process imports no pack, no kuzu, no pydantic; opens no database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kuzu_memory_migrations.engine.fastpath import signature
from kuzu_memory_migrations.testing.projects import build_project_1_12


def test_idle_start_imports_no_pack_and_opens_no_database(
    tmp_path: Path,
    run_probe: Callable[..., dict[str, Any]],
    unexpected: Callable[[list[str]], set[str]],
) -> None:
    root = tmp_path / "project"
    database = build_project_1_12(root)
    (root / ".kuzu-memory" / "settings.json").write_text("{}")

    first = run_probe(root)
    assert first["status"] == "done", first["message"]
    assert set(first["applied"]) == {"perf_add_theme", "perf_add_pinned"}
    assert {"kuzu", "perf_pack", "pydantic"} <= set(first["new"])  # the probe sees imports

    files = {path.name: signature(str(path)) for path in database.parent.iterdir()}
    second = run_probe(root)
    assert second["status"] == "idle"
    assert unexpected(second["new"]) == set()
    assert "perf_pack" not in second["new"] and "pathlib" not in second["new"]
    assert {path.name: signature(str(path)) for path in database.parent.iterdir()} == files
    assert not database.with_name(database.name + ".wal").exists()


def test_importing_the_package_imports_nothing_heavy(
    run_probe: Callable[..., dict[str, Any]], unexpected: Callable[[list[str]], set[str]]
) -> None:
    new = run_probe()["new"]
    assert "kuzu_memory_migrations" in new
    assert unexpected(new) == set()
