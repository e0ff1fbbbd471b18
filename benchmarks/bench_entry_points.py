"""Entry-point discovery: the standard library's importlib.metadata against importlib-metadata.

Loading packs starts with `entry_points(group="kuzu_memory.migrations")`, which reads the
metadata of every installed distribution. This measures that call, import included, in a
fresh process (cold: nothing cached in the interpreter), in a virtualenv holding a few
hundred distributions, once through the standard library and once through the
importlib-metadata package from the package index.

The distributions are written as `.dist-info` folders (METADATA, RECORD, and for a third
of them an entry_points.txt with console scripts, for three a `kuzu_memory.migrations`
entry point), which is all either implementation reads; nothing is imported from them.

Runs on its own for several interpreters (`python benchmarks/bench_entry_points.py
--python python3.11 python3.13`), or as the `entry_points` section of `nox -s bench` for
the session's interpreter.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from common import Figure, Results

SECTION = "packs"
GROUP = "kuzu_memory.migrations"
PACKS = 3
BACKPORT = "importlib-metadata"

DISCOVER = """
import json, sys, time
started = time.perf_counter()
if sys.argv[1] == "stdlib":
    from importlib.metadata import entry_points
else:
    from importlib_metadata import entry_points
imported = time.perf_counter()
found = sorted(ep.name for ep in entry_points(group=sys.argv[2]))
done = time.perf_counter()
print(json.dumps({"seconds": done - started, "import": imported - started,
                  "call": done - imported, "found": found}))
"""


def site_packages(environment: Path) -> Path:
    [folder] = (environment / "lib").glob("python3*/site-packages")
    return folder


def populate(folder: Path, count: int) -> None:
    """``count`` distributions' metadata; the first PACKS register in the packs' group."""
    for index in range(count):
        name = f"bench_dist_{index:04d}"
        info = folder / f"{name}-1.{index % 10}.0.dist-info"
        info.mkdir(exist_ok=True)
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name.replace('_', '-')}\nVersion: 1.{index % 10}.0\n"
            "Summary: a distribution that only exists for this benchmark\n",
            encoding="utf-8",
        )
        (info / "RECORD").write_text(f"{name}/__init__.py,,\n", encoding="utf-8")
        (info / "INSTALLER").write_text("pip\n", encoding="utf-8")
        lines = []
        if index % 3 == 0:
            lines += ["[console_scripts]", f"{name} = {name}.cli:main", ""]
        if index < PACKS:
            lines += [f"[{GROUP}]", f"{name} = {name}.plugin", ""]
        if lines:
            (info / "entry_points.txt").write_text("\n".join(lines), encoding="utf-8")


def prepare(workdir: Path, python: str, count: int) -> Path:
    """A virtualenv of ``python`` with the backport installed and ``count`` distributions."""
    environment = workdir / f"entry-points-{Path(python).name}"
    if not environment.exists():
        subprocess.run([python, "-m", "venv", str(environment)], check=True)
        subprocess.run(
            [
                str(environment / "bin" / "python"),
                *("-m", "pip", "install", "--quiet", "--disable-pip-version-check", BACKPORT),
            ],
            check=True,
        )
    populate(site_packages(environment), count)
    return environment


def measure(environment: Path, repeat: int) -> dict[str, dict[str, float]]:
    """The best seconds (whole, import, call) of import + entry_points(group=...) through
    each implementation, over ``repeat`` fresh processes each, the two alternated (on a
    shared machine the best run is the one least disturbed, as for the data figures)."""
    times: dict[str, dict[str, list[float]]] = {
        which: {"seconds": [], "import": [], "call": []} for which in ("stdlib", "backport")
    }
    found: dict[str, list[str]] = {}
    python = str(environment / "bin" / "python")
    for _ in range(repeat):
        for which, values in times.items():
            result = subprocess.run(
                [python, "-c", DISCOVER, which, GROUP],
                capture_output=True,
                text=True,
                check=True,
            )
            data = json.loads(result.stdout)
            for key, seconds in values.items():
                seconds.append(data[key])
            found[which] = data["found"]
    if found["stdlib"] != found["backport"] or len(found["stdlib"]) != PACKS:
        raise RuntimeError(f"discovery differs: {found}")
    return {w: {k: min(v) for k, v in values.items()} for w, values in times.items()}


def installed_count(environment: Path) -> int:
    return len(list(site_packages(environment).glob("*.dist-info")))


def version_of(environment: Path) -> tuple[str, str]:
    code = (
        "import sys, importlib.metadata as m; "
        "print(sys.version.split()[0], m.version('importlib-metadata'))"
    )
    out = subprocess.run(
        [str(environment / "bin" / "python"), "-c", code],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return out[0], out[1]


def run(
    results: Results, workdir: Path, *, repeat: int, count: int = 300, python: str | None = None
) -> None:
    environment = prepare(workdir, python or sys.executable, count)
    total = installed_count(environment)
    python_version, backport_version = version_of(environment)
    best = measure(environment, repeat)
    stdlib, backport = best["stdlib"], best["backport"]
    for key, what in (("seconds", "import + call"), ("import", "import"), ("call", "call")):
        results.add(
            Figure(
                SECTION,
                f"entry_points(group=...) through importlib-metadata {backport_version}, "
                f"{total} distributions, Python {python_version}: {what} (fresh process, best)",
                backport[key],
                "s",
                f"the standard library's importlib.metadata, Python {python_version}",
                stdlib[key],
                note="both find the same entry points" if key == "seconds" else "",
            )
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--python", nargs="+", default=[sys.executable])
    parser.add_argument("--count", type=int, default=300, help="distributions to add")
    parser.add_argument("--repeat", type=int, default=15, help="fresh processes per figure")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    results = Results()
    with tempfile.TemporaryDirectory() as folder:
        workdir = args.workdir or Path(folder)
        for python in args.python:
            run(results, workdir, repeat=args.repeat, count=args.count, python=python)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
