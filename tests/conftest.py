"""Shared fixtures: every test gets its own HOME and a plugin set it chooses itself.

In `nox -s tests` the repository's packs are installed, so autoload would find them; tests
that need an exact set of plugins load them explicitly through `use_plugins`.

Database tests run against both engines through the `engine` fixture. Kuzu and LadybugDB
cannot share a process: this one is a Kuzu process (Kuzu is loaded before any test, so
whatever the order of the tests, none can load LadybugDB here and break the rest), and a
test with `engine="ladybug"` runs in a pytest of its own (a child process, whose outcome is
reported here). Where LadybugDB's wheel is not usable it is skipped.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _pytest.reports import TestReport
from engine_support import engine_missing

FIXTURE_PLUGINS = Path(__file__).parent / "plugins"
ROOT = Path(__file__).parent.parent
ENGINES = ("kuzu", "ladybug")
IN_CHILD = "KMM_TEST_ENGINE_CHILD"
"""Set in the pytest a LadybugDB test runs in: run it here, whatever is loaded."""


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """The engine a database test runs against (its databases are made with it)."""
    name: str = request.param
    if why := engine_missing(name):
        pytest.skip(f"{name} is not usable on this Python: {why}")
    return name


def pytest_configure(config: pytest.Config) -> None:
    if not os.environ.get(IN_CHILD):
        from kuzu_memory_migrations.engine.database import KUZU, load

        load(KUZU)


def _needs_own_process(item: pytest.Item) -> bool:
    from kuzu_memory_migrations.engine.database import ENGINES as KNOWN
    from kuzu_memory_migrations.engine.database import can_load

    callspec = getattr(item, "callspec", None)
    name = callspec.params.get("engine") if callspec is not None else None
    return name in KNOWN and not os.environ.get(IN_CHILD) and not can_load(KNOWN[name])


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    """Run a test whose engine cannot be loaded here in a pytest of its own."""
    if not _needs_own_process(item):
        return None
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", item.nodeid, "-q", "-rs", "--no-header"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={**os.environ, IN_CHILD: "1"},
    )
    summary = done.stdout.strip().splitlines()[-1:] or [""]
    outcome = "passed" if done.returncode == 0 else "failed"
    longrepr: Any = None
    if done.returncode == 0 and re.search(r"\d+ skipped", summary[0]):
        outcome = "skipped"
        reason = re.findall(r"SKIPPED \[\d+\] [^:]+:\d+: (.*)", done.stdout)
        longrepr = (str(item.path), item.location[1] or 0, reason[0] if reason else summary[0])
    elif outcome == "failed":
        why = "in its own process (LadybugDB and Kuzu cannot share one)"
        longrepr = f"{why}:\n{done.stdout}{done.stderr}"
    # What the earlier items set up and this one's successor does not need ends here, as
    # pytest's own protocol would end it after this item.
    item.session._setupstate.teardown_exact(nextitem)
    keywords = dict.fromkeys(item.keywords, 1)
    for when in ("setup", "call", "teardown"):
        report = TestReport(
            item.nodeid,
            item.location,
            keywords,
            outcome if when == "call" else "passed",
            longrepr if when == "call" else None,
            when,
        )
        item.ihook.pytest_runtest_logreport(report=report)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


@pytest.fixture(autouse=True)
def isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A private HOME (hooks migrations touch ~/.claude) and no inherited plugin settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for name in (
        "KUZU_MEMORY_MIGRATIONS_DISABLE",
        "KUZU_MEMORY_MIGRATIONS_PLUGINS",
        "KUZU_MEMORY_MIGRATIONS_DISABLE_AUTOLOAD",
    ):
        monkeypatch.delenv(name, raising=False)
    yield home


@pytest.fixture
def use_plugins(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Load exactly these plugin modules (from tests/plugins/ or importable), no autoload."""

    def choose(*modules: str) -> None:
        monkeypatch.syspath_prepend(str(FIXTURE_PLUGINS))
        monkeypatch.setenv("KUZU_MEMORY_MIGRATIONS_DISABLE_AUTOLOAD", "1")
        monkeypatch.setenv("KUZU_MEMORY_MIGRATIONS_PLUGINS", ",".join(modules))
        for module in modules:
            sys.modules.pop(module, None)

    return choose


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty kuzu-memory project (just `.kuzu-memory/`)."""
    root = tmp_path / "project"
    (root / ".kuzu-memory").mkdir(parents=True)
    return root
