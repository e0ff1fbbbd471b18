"""`new pack` and `new migration`: a pack that installs and passes its own tests as written.

Templates live in `cli/templates/` (package data): `pack/` is copied with `__package__`
in paths and `${...}` placeholders in contents filled in; `migration/<type>.py.tmpl` is one
working migration per type.
"""

from __future__ import annotations

import json
import keyword
import re
import shlex
import shutil
import sys
import tomllib
from importlib import resources
from importlib.metadata import PackageNotFoundError, distribution
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template
from typing import Annotated
from urllib.parse import unquote, urlparse

import typer
from rich.markup import escape

from ... import __version__
from ...contract.markers import ENTRY_POINT_GROUP
from ...contract.results import MigrationType
from ..app import EXIT_USAGE, PACKS, TYPES, App, Json, app, fail, print_json
from ..console import console
from ..shapes import ScaffoldDocument

new = App(
    help="Start a pack, or add a migration to the pack in the current folder.",
    no_args_is_help=True,
)
app.add_typer(new, name="new", rich_help_panel=PACKS)

_DISTRIBUTION = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")
_MIGRATION = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
_SUFFIX = ".tmpl"
CORE_DISTRIBUTION = "kuzu-memory-migrations"
EXISTS, NOT_A_PACK = "exists", "not_a_pack"
"""The `error` codes of --json: the pack or module is there already; the folder is no pack."""


def _templates() -> Traversable:
    return resources.files("kuzu_memory_migrations.cli").joinpath("templates")


def _identifier(name: str) -> str:
    """A Python identifier for a distribution or migration name (`my-pack.x` -> `my_pack_x`)."""
    return re.sub(r"[^0-9A-Za-z]+", "_", name).strip("_").lower()


def _class_name(identifier: str) -> str:
    return "".join(part.capitalize() for part in identifier.split("_") if part)


def _render(template: Traversable, values: dict[str, str]) -> str:
    return Template(template.read_text(encoding="utf-8")).substitute(values)


def _write(path: Path, text: str, created: list[Path]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    created.append(path)


def _copy_tree(
    source: Traversable, target: Path, values: dict[str, str], created: list[Path]
) -> None:
    for item in sorted(source.iterdir(), key=lambda t: t.name):
        name = item.name.replace("__package__", values["package"])
        if item.is_dir():
            _copy_tree(item, target / name, values, created)
        elif name.endswith(_SUFFIX):
            _write(target / name.removesuffix(_SUFFIX), _render(item, values), created)


def _migration_source(
    kind: MigrationType, name: str, package: str, *, setting: str | None = None
) -> str:
    """The module of a new, working migration of type ``kind``.

    A config migration adds one key to the pack's section: ``setting``, else one named
    after the migration, so that each config migration of a pack has work of its own.
    """
    identifier = _identifier(name)
    values = {
        "name": name,
        "package": package,
        "identifier": identifier,
        "class_name": _class_name(identifier),
        "setting": setting or identifier.removeprefix(f"{package}_") or identifier,
    }
    return _render(_templates().joinpath("migration", f"{kind.value}.py{_SUFFIX}"), values)


def _report(created: list[Path], base: Path, as_json: bool, next_steps: str) -> None:
    shown = [str(path.relative_to(base)) for path in created]
    if as_json:
        print_json(ScaffoldDocument(root=str(base), created=shown))
        return
    for path in shown:
        console.print(f"  [green]created[/] {escape(path)}")
    console.print(escape(next_steps), soft_wrap=True)  # commands to copy: never broken


@new.command("pack")
def new_pack(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Distribution name, e.g. acme-memory-pack.")
    ],
    directory: Annotated[
        Path,
        typer.Option(
            "--dir", metavar="DIR", help="Folder to create the pack's folder in.", file_okay=False
        ),
    ] = Path(),
    as_json: Json = False,
) -> None:
    """Write a pack distribution: pyproject with the entry point, a package with one example
    migration and its hook implementation, tests (contract checks included), a README."""
    package = _identifier(name)
    if not _DISTRIBUTION.match(name) or not package.isidentifier() or keyword.iskeyword(package):
        fail(
            f"{name!r} is not a usable distribution name (letters, digits, '-', '_', '.')",
            EXIT_USAGE,
            as_json=as_json,
        )
    root = (directory / name).resolve()
    if root.exists() and any(root.iterdir()):
        fail(
            f"{root} already exists and is not empty; choose another --dir or name",
            as_json=as_json,
            kind=EXISTS,
        )
    values = {
        "distribution": name,
        "package": package,
        "core_version": __version__,
        "core_source": _core_source(),
    }
    created: list[Path] = []
    _copy_tree(_templates().joinpath("pack"), root, values, created)
    example = _migration_source(
        MigrationType.CONFIG, f"{package}_example", package, setting="enabled"
    )
    _write(root / "src" / package / "migrations" / "example.py", example, created)
    _report(
        created,
        root,
        as_json,
        f"Pack written to {root}. Next, in this environment (it has kuzu-memory-migrations):\n"
        f"  cd {shlex.quote(str(root))} && {_python()} -m pip install -e '.[test]' "
        f"&& {_python()} -m pytest\n"
        f"In a new virtualenv, install the core first: pip install {_core_source()}",
    )


def _python() -> str:
    """How to call the Python that has this core: `python` when that is the one on PATH."""
    on_path = shutil.which("python")
    if on_path and Path(on_path).parent == Path(sys.executable).parent:
        return "python"
    return shlex.quote(sys.executable)


def _core_source() -> str:
    """What `pip install` takes to install this core: the folder it was installed from when
    that was a local one (a clone; PEP 610's direct_url.json says so), else its name."""
    try:
        direct = json.loads(distribution(CORE_DISTRIBUTION).read_text("direct_url.json") or "{}")
    except (PackageNotFoundError, ValueError):
        direct = {}
    url = str(direct.get("url", ""))
    if url.startswith("file://") and "dir_info" in direct:
        return shlex.quote(unquote(urlparse(url).path))
    return f"'{CORE_DISTRIBUTION}>={__version__}'"


def _pack_package(root: Path, *, as_json: bool) -> str:
    """The import package of the pack whose pyproject.toml is in ``root``."""
    pyproject = root / "pyproject.toml"
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(
            f"no pyproject.toml in {root}: run this in a pack's folder (or pass --dir)",
            as_json=as_json,
            kind=NOT_A_PACK,
        )
    except tomllib.TOMLDecodeError as error:
        fail(f"{pyproject}: invalid TOML: {error}", as_json=as_json, kind=NOT_A_PACK)
    entry_points = data.get("project", {}).get("entry-points", {}).get(ENTRY_POINT_GROUP, {})
    if not entry_points:
        fail(
            f"{pyproject} has no [project.entry-points.{ENTRY_POINT_GROUP!r}]: not a pack",
            as_json=as_json,
            kind=NOT_A_PACK,
        )
    target = str(next(iter(entry_points.values())))
    return target.split(":", maxsplit=1)[0].split(".", maxsplit=1)[0]


@new.command("migration")
def new_migration(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME", help="Migration name, unique across packs, e.g. acme_backfill_tags."
        ),
    ],
    kind: Annotated[
        MigrationType,
        typer.Option(
            "--type",
            "-t",
            case_sensitive=False,
            metavar="TYPE",
            help=f"What the migration changes: {TYPES}.",
        ),
    ],
    directory: Annotated[
        Path,
        typer.Option(
            "--dir",
            metavar="DIR",
            help="The pack's folder (holding its pyproject.toml).",
            file_okay=False,
        ),
    ] = Path(),
    as_json: Json = False,
) -> None:
    """Add a migration module of the given type to the pack in the current folder."""
    if not _MIGRATION.match(name):
        fail(
            f"{name!r} is not a usable migration name (a letter, then letters, digits, "
            "'_', '-', '.')",
            EXIT_USAGE,
            as_json=as_json,
        )
    root = directory.resolve()
    package = _pack_package(root, as_json=as_json)
    folder = next(
        (
            base / package / "migrations"
            for base in (root / "src", root)
            if (base / package / "migrations").is_dir()
        ),
        None,
    )
    if folder is None:
        fail(
            f"no migrations package in {root / 'src' / package}: packs made by "
            "`kuzu-memory-migrations new pack` have one, and plugin.py registers its modules",
            as_json=as_json,
            kind=NOT_A_PACK,
        )
    module = folder / f"{_identifier(name)}.py"
    if module.exists():
        fail(f"{module} already exists", as_json=as_json, kind=EXISTS)
    created: list[Path] = []
    _write(module, _migration_source(kind, name, package), created)
    _report(
        created, root, as_json, f"Added {kind.value} migration {name!r}; edit it, then run pytest."
    )
