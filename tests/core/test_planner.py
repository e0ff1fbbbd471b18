"""Ordering: dependencies first, then priority, from_version and name; problems isolated."""

from __future__ import annotations

from typing import Any

import pytest
from kuzu_memory_migrations.contract.migration import Migration
from kuzu_memory_migrations.engine.catalog import CatalogEntry, MigrationSpec
from kuzu_memory_migrations.engine.planner import order_migrations
from kuzu_memory_migrations.engine.plugins import PluginRecord

PACK = PluginRecord(name="pack", distribution="some-pack", version="1.0")


def entry(
    name: str, *, priority: int = 100, from_version: str = "0.0.0", depends_on: tuple[str, ...] = ()
) -> CatalogEntry:
    attributes: dict[str, Any] = {
        "name": name,
        "priority": priority,
        "from_version": from_version,
        "depends_on": depends_on,
    }
    cls = type(name, (Migration,), attributes)
    spec = MigrationSpec.model_validate(
        {
            "name": name,
            "from_version": from_version,
            "to_version": "999.0.0",
            "priority": priority,
            "migration_type": "config",
            "depends_on": depends_on,
            "replaces": (),
            "version_axis": None,
        }
    )
    return CatalogEntry(cls, spec, PACK)


def names(*entries: CatalogEntry, satisfied: tuple[str, ...] = ()) -> list[str]:
    ordering = order_migrations({e.name: e for e in entries}, satisfied)
    return [e.name for e in ordering.order]


def test_priority_then_from_version_then_name() -> None:
    assert names(
        entry("c", priority=5),
        entry("b", from_version="1.2"),
        entry("a", from_version="1.10"),
        entry("z", priority=900),
        entry("y", from_version="1.2"),
    ) == ["c", "b", "y", "a", "z"]


def test_versions_compare_as_versions_not_text() -> None:
    assert names(entry("ten", from_version="1.10.0"), entry("nine", from_version="1.9.0")) == [
        "nine",
        "ten",
    ]


def test_dependencies_come_before_priority() -> None:
    assert names(entry("late", priority=900), entry("early", priority=1, depends_on=("late",))) == [
        "late",
        "early",
    ]


def test_the_order_is_the_same_whatever_the_input_order() -> None:
    entries = [
        entry(f"m{i}", priority=i % 3, depends_on=(f"m{i - 1}",) if i % 4 else ())
        for i in range(30)
    ]
    assert names(*entries) == names(*reversed(entries))


def test_a_satisfied_dependency_does_not_block() -> None:
    ordering = order_migrations({"b": entry("b", depends_on=("a",))}, satisfied={"a"})
    assert [e.name for e in ordering.order] == ["b"] and not ordering.blocked


def test_a_missing_dependency_blocks_only_its_dependents() -> None:
    ordering = order_migrations(
        {e.name: e for e in (entry("needs", depends_on=("ghost",)), entry("fine"))}, set()
    )
    assert "ghost" in ordering.blocked["needs"]
    assert "no installed pack provides" in ordering.blocked["needs"]
    assert "fine" not in ordering.blocked


def test_a_cycle_is_named_and_blocks_its_dependents_only() -> None:
    ordering = order_migrations(
        {
            e.name: e
            for e in (
                entry("a", depends_on=("b",)),
                entry("b", depends_on=("a",)),
                entry("after", depends_on=("a",)),
                entry("after_after", depends_on=("after",)),
                entry("free"),
            )
        },
        set(),
    )
    assert ordering.blocked["a"] == "dependency cycle: a -> b -> a"
    assert ordering.blocked["b"] == "dependency cycle: a -> b -> a"
    assert "depends on a" in ordering.blocked["after"]
    assert "depends on after" in ordering.blocked["after_after"]
    assert [e.name for e in ordering.order] == ["free"]


@pytest.mark.parametrize(
    "bad",
    [
        {"name": ""},
        {"name": " padded "},
        {"from_version": "one.two"},
        {"priority": "10"},
        {"priority": 1.5},
        {"depends_on": "a_single_string"},
        {"migration_type": "nonsense"},
    ],
)
def test_invalid_class_attributes_are_rejected(bad: dict[str, Any]) -> None:
    good = {
        "name": "ok",
        "from_version": "1.0",
        "to_version": "2.0",
        "priority": 1,
        "migration_type": "config",
        "depends_on": (),
        "replaces": (),
        "version_axis": None,
    }
    with pytest.raises(ValueError):
        MigrationSpec.model_validate({**good, **bad})
