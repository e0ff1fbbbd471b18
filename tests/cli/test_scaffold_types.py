"""The scaffold stays green: `new pack`, then `new migration NAME --type T`, for each of the
seven types (and all seven in one pack); the pack is installed and tested exactly as the
command's printed next steps say, in a fresh virtualenv holding the core from its folder."""

from __future__ import annotations

import re
import subprocess
import venv
from pathlib import Path

import pytest
from kuzu_memory_migrations.contract.results import MigrationType

CORE = Path(__file__).resolve().parents[2] / "core"
TYPES = [kind.value for kind in MigrationType]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with the core installed from its folder, as from a fresh clone."""
    folder = tmp_path_factory.mktemp("scaffold") / "venv"
    venv.create(folder, with_pip=True)
    pip = [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--disable-pip-version-check", str(CORE)], check=True)
    return folder


def kmm(environment: Path, *args: str, cwd: Path) -> str:
    result = subprocess.run(
        [str(environment / "bin" / "kuzu-memory-migrations"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def next_steps(output: str) -> str:
    """The command `new pack` says to run next, in this environment."""
    [command] = [line.strip() for line in output.splitlines() if line.strip().startswith("cd ")]
    return command


@pytest.mark.parametrize("kinds", [[kind] for kind in TYPES] + [TYPES], ids=[*TYPES, "all"])
def test_a_new_pack_with_new_migrations_passes_its_own_tests(
    kinds: list[str], environment: Path, tmp_path: Path
) -> None:
    name = f"acme-{'every' if len(kinds) > 1 else kinds[0]}-pack"
    created = kmm(environment, "new", "pack", name, "--dir", str(tmp_path), cwd=tmp_path)
    root = tmp_path / name
    for kind in kinds:
        kmm(environment, "new", "migration", f"acme_{kind}_change", "--type", kind, cwd=root)
    command = next_steps(created)
    assert str(environment / "bin" / "python") in command  # the Python that has the core

    result = subprocess.run(
        ["bash", "-c", f"{command} -q -p no:cacheprovider -rs"],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    summary = output.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ passed in [\d.]+s(?: \(.*\))?", summary), output  # no skip
    assert "In a new virtualenv, install the core first: pip install" in created
    assert f"pip install {CORE}" in created  # the folder the core was installed from
