"""Find the installed Pythons this project supports (3.11 and newer), on PATH or pyenv's.

`python scripts/pythons.py 3.13` prints the path of a working Python 3.13 (exit 1 if there
is none); without an argument it prints every supported one found, oldest first. pyenv
keeps versions that are not on PATH until activated (its shims then refuse to run), so
its versions folder is searched too. The noxfile and CI use it to choose interpreters.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

MINIMUM = (3, 11)
SUPPORTED = ("3.11", "3.12", "3.13", "3.14")


def _works(python: str, version: str) -> bool:
    try:
        done = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return False
    return done.returncode == 0 and done.stdout.strip() == version


def find(version: str) -> str | None:
    """A working `python<version>`: on PATH, else the newest of pyenv's versions folder."""
    on_path = shutil.which(f"python{version}")
    if on_path and _works(on_path, version):
        return on_path
    roots = [os.environ.get("PYENV_ROOT", ""), str(Path.home() / ".pyenv")]
    for root in filter(None, roots):
        candidates = sorted(
            Path(root, "versions").glob(f"{version}.*/bin/python{version}"),
            key=lambda p: [int(x) for x in p.parts[-3].split(".") if x.isdigit()],
        )
        for candidate in reversed(candidates):
            if _works(str(candidate), version):
                return str(candidate)
    return None


def installed() -> dict[str, str]:
    """Every supported version found, oldest first, and the Python to run for it."""
    found = {version: find(version) for version in SUPPORTED}
    return {version: python for version, python in found.items() if python}


def main(argv: list[str]) -> int:
    if argv:
        python = find(argv[0])
        if python is None:
            print(f"no working Python {argv[0]} on PATH or in pyenv's versions", file=sys.stderr)
            return 1
        print(python)
        return 0
    for version, python in installed().items():
        print(version, python)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
