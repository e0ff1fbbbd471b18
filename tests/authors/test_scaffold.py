"""`new pack` and `new migration`: what they write works as written, installed or not."""

from __future__ import annotations

import json
import subprocess
import venv
from pathlib import Path

import pytest
from kuzu_memory_migrations.cli import app
from kuzu_memory_migrations.contract.results import MigrationType
from kuzu_memory_migrations.testing.contract import check_pack
from typer.testing import CliRunner

CORE = Path(__file__).resolve().parents[2] / "core"


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def new_pack(folder: Path, name: str = "acme-memory-pack") -> Path:
    code, output = cli("new", "pack", name, "--dir", str(folder), "--json")
    assert code == 0, output
    return Path(json.loads(output)["root"])


def test_new_pack_writes_a_complete_distribution(tmp_path: Path) -> None:
    root = new_pack(tmp_path)

    assert root == tmp_path / "acme-memory-pack"
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert files == [
        "README.md",
        "pyproject.toml",
        "src/acme_memory_pack/__init__.py",
        "src/acme_memory_pack/migrations/__init__.py",
        "src/acme_memory_pack/migrations/example.py",
        "src/acme_memory_pack/plugin.py",
        "tests/test_contract.py",
        "tests/test_example.py",
    ]
    pyproject = (root / "pyproject.toml").read_text()
    assert '[project.entry-points."kuzu_memory.migrations"]' in pyproject
    assert 'acme_memory_pack = "acme_memory_pack.plugin"' in pyproject
    assert (
        'name = "acme_memory_pack_example"'
        in (root / "src/acme_memory_pack/migrations/example.py").read_text()
    )
    for source in root.rglob("*.py"):
        compile(source.read_text(), str(source), "exec")


def test_new_pack_refuses_bad_names_and_existing_folders(tmp_path: Path) -> None:
    code, output = cli("new", "pack", "not a name!", "--dir", str(tmp_path))
    assert code == 64
    assert "'not a name!' is not a usable distribution name" in output

    root = new_pack(tmp_path)
    code, output = cli("new", "pack", "acme-memory-pack", "--dir", str(tmp_path))
    assert code == 1
    assert f"{root} already exists" in " ".join(output.split())


def test_new_migration_adds_a_module_to_the_pack(tmp_path: Path) -> None:
    root = new_pack(tmp_path)

    code, output = cli(
        "new", "migration", "--type", "data", "acme_tag_memories", "--dir", str(root), "--json"
    )

    assert code == 0, output
    assert json.loads(output)["created"] == ["src/acme_memory_pack/migrations/acme_tag_memories.py"]
    module = (root / "src/acme_memory_pack/migrations/acme_tag_memories.py").read_text()
    assert "class AcmeTagMemories(DataMigration):" in module
    assert 'name = "acme_tag_memories"' in module
    code, output = cli("new", "migration", "-t", "data", "acme_tag_memories", "--dir", str(root))
    assert code == 1
    assert "already exists" in output


def test_new_migration_outside_a_pack_names_what_is_missing(tmp_path: Path) -> None:
    code, output = cli("new", "migration", "--type", "config", "x", "--dir", str(tmp_path))
    assert code == 1
    assert "no pyproject.toml in" in output
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "plain"\n')
    code, output = cli("new", "migration", "--type", "config", "x", "--dir", str(tmp_path))
    assert code == 1
    assert "not a pack" in output


def test_every_type_template_passes_the_contract(
    tmp_path: Path, kuzu_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One migration of each of the seven types, added to a new pack, loaded in-process."""
    root = new_pack(tmp_path / "packs", name="every-type-pack")
    for kind in MigrationType:
        code, output = cli(
            "new", "migration", "-t", kind.value, f"every_{kind.value}", "--dir", str(root)
        )
        assert code == 0, output
    monkeypatch.syspath_prepend(str(root / "src"))

    check_pack("every_type_pack.plugin", workdir=tmp_path)


@pytest.mark.slow
def test_generated_pack_installs_and_passes_its_own_tests(tmp_path: Path) -> None:
    """As an author would: a fresh virtualenv with the core installed from its wheel build
    (so the templates must ship in it), `new pack`, pip install the pack, run its pytest."""
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    binaries = environment / "bin"

    def run(program: str, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(binaries / program), *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    pip = ("-m", "pip", "install", "--quiet", "--disable-pip-version-check")
    run("python", *pip, str(CORE))
    run("kuzu-memory-migrations", "new", "pack", "acme-memory-pack", "--dir", str(tmp_path))
    root = tmp_path / "acme-memory-pack"
    run("python", *pip, f"{root}[test]")
    tests = subprocess.run(
        [str(binaries / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )

    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "12 passed" in tests.stdout, tests.stdout
