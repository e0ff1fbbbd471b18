"""Every automation of the repository: tests, lint, typecheck, demo, docs, bench, compat.

`nox -s tests lint typecheck` is what CI runs (README's test command).

Sessions run on the Python that runs nox, whichever 3.11+ that is (`pip install nox &&
nox -s tests` works wherever a supported Python is); if nox itself runs on an older one,
on the newest supported Python installed (scripts/pythons.py finds it, on PATH or pyenv's).
`--force-python PATH` runs them on another (CI runs the tests on 3.11 and 3.13 so). A
session whose interpreter is missing is an error, never a skip that exits 0.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nox

ROOT = Path(__file__).parent
CORE = ROOT / "core"
PACKS = sorted(p for p in (ROOT / "plugins").iterdir() if (p / "pyproject.toml").exists())
sys.path.insert(0, str(ROOT / "scripts"))
import pythons  # noqa: E402  (scripts/, beside this file)


def _interpreter() -> str | None:
    """None: the Python that runs nox; else the newest supported one installed."""
    if sys.version_info >= pythons.MINIMUM:
        return None
    found = pythons.installed()
    if not found:
        raise SystemExit(
            f"nox runs on Python {sys.version.split()[0]}; the sessions need 3.11 or newer, "
            "and none was found on PATH or in pyenv's versions"
        )
    return list(found.values())[-1]


PYTHON = _interpreter()
COMPAT_PYTHON = "3.11"  # the Python docs/compat.md's figures and kuzu-memory 1.6.32 were run on
RUFF = "ruff==0.17.6"  # pinned: a new release may add rules or change formatting
MYPY = "mypy==2.4.1"

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True  # a missing Python fails; it never skips


def install_project(session: nox.Session, *extra: str) -> None:
    """The core and every pack, installed as users install them (not editable)."""
    session.install(str(CORE), *(str(pack) for pack in PACKS), *extra)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The test suite, including packs built and installed into fresh virtualenvs."""
    install_project(session, "pytest>=8", "click>=8")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff's lint rules and formatting (also of the Python blocks in the Markdown docs)."""
    session.install(RUFF)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the core and every pack."""
    install_project(session, MYPY, "pytest>=8", "nox", "click>=8")
    session.run(
        "mypy",
        "--strict",
        "core/src",
        *(str(p / "src") for p in PACKS),
    )


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """Build a project as kuzu-memory 1.6 left it, then upgrade it as a user would."""
    install_project(session)
    session.run("python", str(ROOT / "scripts" / "demo.py"), *session.posargs)


@nox.session(python=pythons.find(COMPAT_PYTHON) or COMPAT_PYTHON)
def compat(session: nox.Session) -> None:
    """Real kuzu-memory 1.6.32 projects, migrated here, then used by 1.12.11 (docs/compat.md).

    Not a default session: it installs both releases from the package index. Its two
    virtualenvs are kept in the session's tmp folder, so later runs install nothing new.
    """
    workdir = session.create_tmp()
    session.run(
        "python", str(ROOT / "scripts" / "compat.py"), "--workdir", workdir, *session.posargs
    )


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation site; any warning is an error (mkdocs build --strict).

    The hook reference comes from the hookspec docstrings (mkdocstrings), the CLI reference
    from the app's own --help (docs/hooks/cli_reference.py). `nox -s docs -- serve` previews.
    """
    # Pinned: the build is strict, and a new release may warn where this one did not.
    install_project(
        session,
        "mkdocs==1.6.1",
        "mkdocs-material==9.8.2",
        "mkdocstrings==1.0.8",
        "mkdocstrings-python==2.0.11",
    )
    if session.posargs[:1] == ["serve"]:
        session.run("mkdocs", "serve", *session.posargs[1:])
    else:
        session.run("mkdocs", "build", "--strict", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks, each against a baseline measured in the same run; writes docs/benchmarks.md.

    Not a default session (about fifteen minutes on two cores, most of it building and
    migrating 1,000,000 Memory nodes, and moving 100,000 memories to LadybugDB). Sizes are
    options: `nox -s bench -- --help`;
    `nox -s bench -- --quick` is a smoke run that leaves the docs alone.
    """
    install_project(session)
    session.run("python", str(ROOT / "benchmarks" / "run.py"), *session.posargs)
