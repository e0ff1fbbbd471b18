"""Every `pip install` in the README and the docs works from a fresh clone as written: it
names a folder of this repository, or a package that is on the package index."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
READMES = [ROOT / "README.md", ROOT / "core" / "README.md", *ROOT.glob("plugins/*/README.md")]
DOCS = sorted([*READMES, *(ROOT / "docs").rglob("*.md")])
ON_THE_INDEX = {"nox", "pytest"}
"""What the docs may install by name; this repository's own distributions are not there."""
FENCE = re.compile(r"^```.*?$(.*?)^```", re.MULTILINE | re.DOTALL)


def install_commands(markdown: str) -> list[str]:
    commands = []
    for block in FENCE.findall(markdown):
        for line in block.splitlines():
            for part in line.split("&&"):
                code = part.split(" #", 1)[0].strip()
                if "pip install" in code:
                    commands.append(code[code.index("pip install") :])
    return commands


def targets(command: str) -> list[str]:
    return [word for word in shlex.split(command)[2:] if not word.startswith("-")]


@pytest.mark.parametrize("doc", DOCS, ids=[str(d.relative_to(ROOT)) for d in DOCS])
def test_every_install_command_works_from_a_clone(doc: Path) -> None:
    for command in install_commands(doc.read_text(encoding="utf-8")):
        for target in targets(command):
            if target in ON_THE_INDEX or target.startswith("path/to/"):
                continue  # from the index; or a placeholder for the reader's own clone
            if target.startswith(".["):
                continue  # the pack being written, in its own folder
            assert (ROOT / target).is_dir(), f"{doc.name}: {command!r}: {target} is not here"


def test_the_readme_installs_the_core_and_the_pack_from_their_folders() -> None:
    assert "pip install ./core ./plugins/kuzu-memory-upgrades" in install_commands(
        (ROOT / "README.md").read_text(encoding="utf-8")
    )
