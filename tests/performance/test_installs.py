"""Installing, upgrading, removing a pack (also editable, also by a .pth edit) in a real
virtualenv ends the idle state at once: the very next start applies what came with it."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from kuzu_memory_migrations.contract.markers import ENTRY_POINT_GROUP
from kuzu_memory_migrations.engine import fastpath

pytestmark = pytest.mark.slow

PACK = "wheel-pack"
MODULE = "wheel_pack"


def pack_source(*names: str) -> str:
    classes = "".join(
        f"class M{i}(Migration):\n    name = {name!r}\n"
        f"    def migrate(self):\n        return MigrationResult(success=True, message='ok')\n"
        for i, name in enumerate(names)
    )
    listed = ", ".join(f"M{i}" for i in range(len(names)))
    return (
        "from kuzu_memory_migrations import Migration, MigrationResult, hookimpl\n"
        f"{classes}@hookimpl\ndef register_migrations():\n    return [{listed}]\n"
    )


def build_wheel(folder: Path, version: str, files: dict[str, str]) -> Path:
    """A real wheel (PEP 427): the files, METADATA, WHEEL, the entry point and RECORD."""
    info = f"{MODULE}-{version}.dist-info"
    contents = {
        **files,
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {PACK}\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
        f"{info}/entry_points.txt": f"[{ENTRY_POINT_GROUP}]\n{MODULE} = {MODULE}\n",
    }
    record = ""
    for name, text in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record += f"{name},sha256={digest.decode()},{len(text.encode())}\n"
    contents[f"{info}/RECORD"] = record + f"{info}/RECORD,,\n"
    wheel = folder / f"{MODULE}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in contents.items():
            archive.writestr(name, text)
    return wheel


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    """A fresh virtualenv that sees this interpreter's packages through a site .pth file."""
    folder = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    parent = sysconfig.get_paths()["purelib"]
    (Path(purelib) / "parent.pth").write_text(f"import site; site.addsitedir({parent!r})\n")
    return python


def pip(python: Path, *args: str) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "--disable-pip-version-check",
            "-q",
            *args,
        ],
        check=True,
    )


def test_every_install_change_ends_the_idle_state(
    venv: Path,
    tmp_path: Path,
    project: Path,
    perf_env: dict[str, str],
    run_probe: Callable[..., dict[str, Any]],
) -> None:
    others = {ep.dist.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP) if ep.dist}
    env = {**perf_env, "KUZU_MEMORY_MIGRATIONS_DISABLE": ",".join(sorted(others))}
    for key in ("KUZU_MEMORY_MIGRATIONS_DISABLE_AUTOLOAD", "KUZU_MEMORY_MIGRATIONS_PLUGINS"):
        env.pop(key)

    def start() -> dict[str, Any]:
        return run_probe(project, python=venv, env=env)

    def settle() -> None:
        """Past the racy window a start stamps the project (if none did); then it is idle."""
        time.sleep(fastpath.RACY_NS / 1e9)
        assert start()["status"] in {"done", "idle"}
        assert start()["status"] == "idle"

    assert start()["status"] == "done"
    settle()

    pip(
        venv,
        "install",
        "--no-index",
        "--no-deps",
        str(build_wheel(tmp_path, "1.0", {f"{MODULE}.py": pack_source("a")})),
    )
    assert start()["applied"] == ["a"]  # installed
    settle()

    pip(
        venv,
        "install",
        "--no-index",
        "--no-deps",
        str(build_wheel(tmp_path, "2.0", {f"{MODULE}.py": pack_source("a", "b")})),
    )
    assert start()["applied"] == ["b"]  # upgraded
    settle()

    pip(venv, "uninstall", "-y", PACK)
    assert start()["status"] == "done"  # removed
    settle()

    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / f"{MODULE}.py").write_text(pack_source("c"))
    pth = f"_{MODULE}_editable.pth"
    pip(
        venv,
        "install",
        "--no-index",
        "--no-deps",
        str(build_wheel(tmp_path, "3.0", {pth: f"{checkout}\n"})),
    )
    assert start()["applied"] == ["c"]  # installed editable (PEP 660: a .pth to the checkout)
    settle()

    (checkout / f"{MODULE}.py").write_text(pack_source("c", "d"))
    assert start()["applied"] == ["d"]  # a migration added to the checkout, no install
    settle()

    other = tmp_path / "other-checkout"
    other.mkdir()
    (other / f"{MODULE}.py").write_text(pack_source("e"))
    site_pth = next(Path(str(venv.parent.parent / "lib")).glob(f"python3*/site-packages/{pth}"))
    site_pth.write_text(f"{other}\n")  # the .pth edited in place
    assert start()["applied"] == ["e"]
