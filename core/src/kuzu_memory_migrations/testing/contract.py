"""The checks every pack should pass, in the spirit of pytest-alembic's built-in tests.

A pack's own test suite gets them all with one subclass::

    from kuzu_memory_migrations.testing.contract import PackContract

    class TestContract(PackContract):
        plugins = ("my-pack",)          # entry-point, distribution or module name

or, outside a test class, with one call: ``check_pack("my-pack")``. Every check runs the
real machinery (plugin loading, runner, journal, state) on realistic projects with real
Kuzu databases: an old one (kuzu-memory 1.6) and a fresh one (1.12).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any, ClassVar

import pytest

from ..contract.context import RunContext
from ..contract.markers import hookimpl
from ..contract.migration import Migration
from ..contract.reports import MigrationOutcome, RunReport, Status
from ..engine.layout import ProjectLayout
from ..engine.planner import order_migrations
from .harness import MigrationHarness, outcomes_by_name
from .projects import build_project_1_6, build_project_1_12
from .snapshot import Snapshot, differences, snapshot


def _old_project(root: Path) -> object:
    """1.6's layout, with its MCP server entry in the (temporary) HOME's ~/.claude.json."""
    return build_project_1_6(root, claude_json=Path.home() / ".claude.json")


PROJECTS: dict[str, Callable[[Path], object]] = {
    "old": _old_project,
    "fresh": build_project_1_12,
}
"""The projects a pack is checked on: what kuzu-memory 1.6 left, and what 1.12 creates."""

UNSETTLED = {Status.FAILED, Status.BLOCKED, Status.DEFERRED, Status.INTERRUPTED}


class InjectedFailure(RuntimeError):
    """Raised on purpose after a migration made its changes, to prove they are undone."""


def _home_claude() -> Path:
    """User-level settings a hooks migration may change: part of every comparison."""
    return Path.home() / ".claude"


def _look(root: Path, *, framework: bool = False) -> Snapshot:
    return snapshot(root, also=[_home_claude()], framework=framework)


def _unsettled(report: RunReport, names: Iterable[str]) -> list[str]:
    outcomes = outcomes_by_name(report)
    return [
        f"{name}: {outcomes[name].status.value}: {outcomes[name].reason}"
        for name in names
        if name in outcomes and outcomes[name].status in UNSETTLED
    ]


class _FailAfterMigrate:
    """A plugin that lets one migration make its changes, then raises before the commit.

    It snapshots the project whenever a migration has settled (the database is closed
    then), so the snapshot taken just before the target ran is the one its undo must match.
    """

    def __init__(self, target: str, root: Path) -> None:
        self.target, self.root = target, root
        self.before: Snapshot | None = None
        self.after: Snapshot | None = None

    @hookimpl
    def run_started(self) -> None:
        self.before = _look(self.root)

    @hookimpl(wrapper=True)
    def apply_migration(
        self, migration: Migration, context: RunContext
    ) -> Generator[None, Any, Any]:
        result = yield
        if migration.name == self.target and not context.dry_run:
            raise InjectedFailure(f"failure injected into {migration.name} after migrate()")
        return result

    @hookimpl
    def migration_finished(self, migration: Migration, outcome: MigrationOutcome) -> None:
        if self.after is not None:
            return
        if migration.name == self.target:
            self.after = _look(self.root)
        else:
            self.before = _look(self.root)


@dataclass
class PackChecks:
    """The contract checks for the migrations of ``plugins``, run in ``workdir``.

    Each check returns a list of problems, each naming the migration; empty means passed.
    """

    plugins: tuple[str, ...]
    workdir: Path
    requires: tuple[str, ...] = ()
    """Other packs to load alongside (the ones the pack's migrations depend on)."""
    versions: Mapping[str, str] = field(default_factory=dict)
    unjournaled: tuple[str, ...] = ()
    """Glob patterns (relative paths) a pack writes on purpose outside the journal, such as
    an audit log that must survive a rollback; left out of every comparison."""
    harness: MigrationHarness = field(init=False)

    def __post_init__(self) -> None:
        self.harness = MigrationHarness(
            plugins=(*self.plugins, *self.requires), versions=self.versions
        )

    @property
    def names(self) -> list[str]:
        """The migrations under test: those the plugins in ``plugins`` register."""
        return self.harness.migration_names(of=self.plugins)

    def build(self, kind: str, label: str = "") -> Path:
        """A new project of ``kind`` ("old" or "fresh") in its own folder."""
        root = Path(tempfile.mkdtemp(prefix=f"{kind}{label}-", dir=self.workdir)) / "project"
        PROJECTS[kind](root)
        return root.resolve()

    def differences(self, before: Snapshot, after: Snapshot) -> list[str]:
        """What changed between two snapshots, less the paths in ``unjournaled``."""
        return [
            line
            for line in differences(before, after)
            if not any(fnmatch(line.split(" ", 1)[1], glob) for glob in self.unjournaled)
        ]

    # -- the pack as loaded ------------------------------------------------------------

    def loads(self) -> list[str]:
        """Every plugin imports and contributes at least one valid migration."""
        project = self.harness.project(self.workdir)
        problems = list(project.plugins.problems)
        for plugin in self.plugins:
            if not self.harness.migration_names(of=[plugin]):
                problems.append(f"plugin {plugin!r} contributes no migration")
        return problems + [p for p in project.catalog.problems if "migration name" not in p]

    def names_unique(self) -> list[str]:
        """No name is used twice, nor reused as another migration's `replaces`."""
        catalog = self.harness.project(self.workdir).catalog
        problems = [p for p in catalog.problems if "migration name" in p]
        for name in self.names:
            if name in catalog.replaced_by:
                problems.append(f"{name}: also listed in `replaces` of {catalog.replaced_by[name]}")
        return problems

    def versions_valid(self) -> list[str]:
        """Versions parse (checked on load) and every range is non-empty."""
        from packaging.version import Version

        catalog = self.harness.project(self.workdir).catalog
        problems = [p for p in catalog.problems if "version" in p]
        for name in self.names:
            spec = catalog.entries[name].spec
            if Version(spec.from_version) >= Version(spec.to_version):
                problems.append(
                    f"{name}: from_version {spec.from_version} is not before "
                    f"to_version {spec.to_version}: it can never run"
                )
        return problems

    def dependencies_resolvable(self) -> list[str]:
        """Every `depends_on` names a loaded migration (or a replaced name); no cycle."""
        catalog = self.harness.project(self.workdir).catalog
        ordering = order_migrations(catalog.entries, satisfied=set(catalog.replaced_by))
        hint = " (add the pack providing it to `requires`)"
        return [
            f"{name}: {ordering.blocked[name]}"
            + (hint if "no installed pack" in ordering.blocked[name] else "")
            for name in self.names
            if name in ordering.blocked
        ]

    # -- the pack at work --------------------------------------------------------------

    def applies(self, kind: str) -> list[str]:
        """On a project of ``kind``, every migration applies or has nothing to do."""
        root = self.build(kind)
        report = self.harness.run(root)
        return [
            f"{kind} project: {line}"
            for line in [*report.problems, *_unsettled(report, self.names)]
        ]

    def second_run_changes_nothing(self, kind: str = "old") -> list[str]:
        """A second run applies nothing; even with the state forgotten, no byte changes."""
        root = self.build(kind)
        first = self.harness.run(root)
        problems = _unsettled(first, self.names)
        before = _look(root)
        again = self.harness.run(root)
        problems += [
            f"{o.name}: applied again on a second run"
            for o in again.outcomes
            if o.status is Status.APPLIED
        ]
        problems += [f"second run: {line}" for line in self.differences(before, _look(root))]
        layout = ProjectLayout(root)
        layout.state_file.unlink(missing_ok=True)
        shutil.rmtree(layout.work_dir, ignore_errors=True)
        forgotten = self.harness.run(root)
        problems += _unsettled(forgotten, self.names)
        problems += [
            f"run after the state was forgotten (as after `reset`): {line}; changed by "
            + (
                ", ".join(o.name for o in forgotten.outcomes if o.status is Status.APPLIED)
                or "nothing applied"
            )
            for line in self.differences(before, _look(root))
        ]
        return [f"{kind} project: {line}" for line in problems]

    def dry_run_changes_nothing(self, kind: str) -> list[str]:
        """A dry run leaves every byte as it was, the framework's own files included."""
        root = self.build(kind)
        before = _look(root, framework=True)
        report = self.harness.run(root, dry_run=True)
        problems = [
            f"dry run: {line}" for line in self.differences(before, _look(root, framework=True))
        ]
        problems += [
            f"dry run raised in {o.name}: {o.reason}"
            for o in report.outcomes
            if o.status is Status.FAILED and o.name in self.names
        ]
        return [f"{kind} project: {line}" for line in problems]

    def failure_rolled_back(self, name: str) -> tuple[list[str], str | None]:
        """A failure injected after ``name``'s migrate() leaves the project as it was.

        Returns the problems and, when the migration had nothing to do on any project so
        the check could not run, why.
        """
        for kind in PROJECTS:
            root = self.build(kind, label=f"-{name}")
            injector = _FailAfterMigrate(name, root)
            report = self.harness.run(root, extra=[injector])
            outcome = outcomes_by_name(report).get(name)
            if outcome is None or outcome.status is not Status.FAILED:
                continue
            if InjectedFailure.__name__ not in outcome.reason:
                return [f"{name} failed on its own on the {kind} project: {outcome.reason}"], None
            if injector.before is None or injector.after is None:
                return [f"{name}: the run ended before the rollback could be checked"], None
            lines = self.differences(injector.before, injector.after)
            return [
                f"{name} on the {kind} project, after the rollback: {line}" for line in lines
            ], None
        return [], f"{name} had nothing to do on any project ({', '.join(PROJECTS)})"

    def every_problem(self) -> list[str]:
        """All checks, all migrations: what :func:`check_pack` reports."""
        problems = [
            *self.loads(),
            *self.names_unique(),
            *self.versions_valid(),
            *self.dependencies_resolvable(),
        ]
        for kind in PROJECTS:
            problems += [*self.applies(kind), *self.dry_run_changes_nothing(kind)]
        problems += self.second_run_changes_nothing()
        for name in self.names:
            problems += self.failure_rolled_back(name)[0]
        return problems


def _verdict(problems: list[str]) -> None:
    if problems:
        raise AssertionError("\n".join(problems))


def check_pack(
    *plugins: str,
    requires: Iterable[str] = (),
    versions: Mapping[str, str] | None = None,
    unjournaled: Iterable[str] = (),
    workdir: Path | None = None,
) -> None:
    """Run every contract check on the migrations of ``plugins``; one AssertionError lists
    every problem. Loads exactly ``plugins`` and ``requires``; set HOME to a temporary folder
    first (the pytest plugin's ``kuzu_home`` fixture does), as hooks migrations touch it."""
    with tempfile.TemporaryDirectory(prefix="pack-contract-", dir=workdir) as folder:
        checks = PackChecks(
            tuple(plugins), Path(folder), tuple(requires), dict(versions or {}), tuple(unjournaled)
        )
        _verdict(checks.every_problem())


class PackContract:
    """Subclass as ``TestSomething`` and set ``plugins``: each check becomes a test."""

    plugins: ClassVar[tuple[str, ...]] = ()
    """The pack(s) under test: entry-point, distribution or module names."""
    requires: ClassVar[tuple[str, ...]] = ()
    """Packs the migrations depend on, loaded too but not checked."""
    versions: ClassVar[Mapping[str, str]] = {}
    """Installed versions to pretend, e.g. of a `version_axis` distribution."""
    unjournaled: ClassVar[tuple[str, ...]] = ()
    """Paths written on purpose outside the journal (an audit log), as glob patterns."""

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """One rollback test per migration, named after it."""
        if "contract_migration" in metafunc.fixturenames:
            names = MigrationHarness(plugins=(*self.plugins, *self.requires)).migration_names(
                of=self.plugins
            )
            metafunc.parametrize("contract_migration", names, ids=names)

    @pytest.fixture
    def contract(self, tmp_path: Path, kuzu_home: Path) -> PackChecks:
        return PackChecks(
            self.plugins, tmp_path, self.requires, dict(self.versions), self.unjournaled
        )

    def test_pack_loads(self, contract: PackChecks) -> None:
        _verdict(contract.loads())

    def test_names_unique(self, contract: PackChecks) -> None:
        _verdict(contract.names_unique())

    def test_versions_valid(self, contract: PackChecks) -> None:
        _verdict(contract.versions_valid())

    def test_dependencies_resolvable(self, contract: PackChecks) -> None:
        _verdict(contract.dependencies_resolvable())

    @pytest.mark.parametrize("kind", list(PROJECTS))
    def test_applies(self, contract: PackChecks, kind: str) -> None:
        _verdict(contract.applies(kind))

    def test_second_run_changes_nothing(self, contract: PackChecks) -> None:
        _verdict(contract.second_run_changes_nothing())

    @pytest.mark.parametrize("kind", list(PROJECTS))
    def test_dry_run_changes_nothing(self, contract: PackChecks, kind: str) -> None:
        _verdict(contract.dry_run_changes_nothing(kind))

    def test_failure_rolled_back(self, contract: PackChecks, contract_migration: str) -> None:
        problems, skipped = contract.failure_rolled_back(contract_migration)
        if skipped:
            pytest.skip(skipped)
        _verdict(problems)
