"""Every automation of the repository: tests, lint, typecheck, demo, docs, bench, compat.

`nox -s tests lint typecheck` is what CI runs (README's test command).
"""

from __future__ import annotations

from pathlib import Path

import nox

ROOT = Path(__file__).parent
CORE = ROOT / "core"
PACKS = sorted(p for p in (ROOT / "plugins").iterdir() if (p / "pyproject.toml").exists())
PYTHON = "3.11"
RUFF = "ruff==0.17.6"  # pinned: a new release may add rules or change formatting
MYPY = "mypy==2.4.1"

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True


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


@nox.session(python=PYTHON)
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

    Not a default session (about ten minutes on two cores, most of it building and
    migrating 1,000,000 Memory nodes). Sizes are options: `nox -s bench -- --help`;
    `nox -s bench -- --quick` is a smoke run that leaves the docs alone.
    """
    install_project(session)
    session.run("python", str(ROOT / "benchmarks" / "run.py"), *session.posargs)
