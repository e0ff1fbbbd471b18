"""A fresh virtualenv with the core installed from this checkout, and packs built as wheels.

Packs are installed and uninstalled as users do it (`pip install` of a built wheel), so
discovery goes through real entry points of real distributions. The virtualenv is created
once per session; tests choose which packs are installed with `PackEnv.use`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
REPO = HERE.parent.parent
CORE = REPO / "core"
PACKS = HERE / "packs"
CLI = "kuzu-memory-migrations"
_PIP = ("-m", "pip", "--disable-pip-version-check", "--no-input", "-q")
_CLEARED = (
    "PYTHONPATH",
    "PYTHONHOME",
    "VIRTUAL_ENV",
    "KUZU_MEMORY_MIGRATIONS_DISABLE",
    "KUZU_MEMORY_MIGRATIONS_PLUGINS",
    "KUZU_MEMORY_MIGRATIONS_DISABLE_AUTOLOAD",
)


def distribution_of(pack: str) -> str:
    """Every test pack `packs/<pack>/` is the distribution `kmm-it-<pack>`."""
    return f"kmm-it-{pack}"


def _checked(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    if done.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
    return done


@dataclass
class PackEnv:
    """One virtualenv: the core and its dependencies, plus whichever packs a test asks for."""

    root: Path
    wheelhouse: Path
    installed: dict[str, Path] = field(default_factory=dict)
    """Distribution -> the wheel it was installed from."""

    @classmethod
    def create(cls, root: Path) -> PackEnv:
        _checked([sys.executable, "-m", "venv", str(root)])
        env = cls(root, root.parent / "wheelhouse")
        # hatchling builds the packs; click stands for a host application's own CLI.
        env.pip("install", str(CORE), "hatchling>=1.25", "click>=8")
        return env

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    def pip(self, *args: str) -> None:
        _checked([str(self.python), *_PIP, *args], env=self.environment())

    def build(self, *sources: Path) -> dict[str, Path]:
        """Wheels of these pack folders (one pip call), keyed by the folder name."""
        out = self.wheelhouse / f"build-{len(list(self.wheelhouse.glob('build-*')))}"
        out.mkdir(parents=True)
        self.pip(
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            *(str(source) for source in sources),
        )
        wheels = {}
        for source in sources:
            module = distribution_of(source.name).replace("-", "_")
            (wheel,) = out.glob(f"{module}-*.whl")
            wheels[source.name] = wheel
        return wheels

    def install(self, distribution: str, wheel: Path) -> None:
        if self.installed.get(distribution) != wheel:
            self.pip("install", "--no-deps", "--force-reinstall", str(wheel))
            self.installed[distribution] = wheel

    def uninstall(self, *distributions: str) -> None:
        present = [d for d in distributions if d in self.installed]
        if present:
            self.pip("uninstall", "-y", *present)
            for distribution in present:
                del self.installed[distribution]

    def use(self, wheels: dict[str, Path], *packs: str) -> None:
        """Exactly these test packs installed, and no other."""
        wanted = {distribution_of(pack): wheels[pack] for pack in packs}
        self.uninstall(*(d for d in list(self.installed) if d not in wanted))
        for distribution, wheel in wanted.items():
            self.install(distribution, wheel)

    def environment(self, **extra: str) -> dict[str, str]:
        """The caller's environment less anything that could leak another install in."""
        env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
        env.update({"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb", **extra})
        return env

    def run(
        self, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """A program of the virtualenv (`kuzu-memory-migrations`, `python`) as a subprocess."""
        program = self.root / "bin" / args[0]
        return subprocess.run(
            [str(program), *args[1:]],
            capture_output=True,
            text=True,
            check=False,
            env=self.environment(**(env or {})),
            cwd=cwd,
            timeout=300,
        )

    def cli(
        self, project: Path, *args: str, env: dict[str, str] | None = None, code: int | None = 0
    ) -> subprocess.CompletedProcess[str]:
        """`kuzu-memory-migrations ARGS --project-root PROJECT`, checking the exit status."""
        command = [*args, "--project-root", str(project)]
        done = self.run(CLI, *command, env=env)
        if code is not None and done.returncode != code:
            raise AssertionError(
                f"{CLI} {' '.join(command)} exited {done.returncode}, expected {code}:\n"
                f"{done.stdout}\n{done.stderr}"
            )
        return done

    def json(
        self, project: Path, *args: str, env: dict[str, str] | None = None, code: int | None = 0
    ) -> Any:
        return json.loads(self.cli(project, *args, "--json", env=env, code=code).stdout)


def copy_pack(pack: str, destination: Path) -> Path:
    """A copy of a test pack's sources, to edit and build as another release."""
    target = destination / pack
    shutil.copytree(PACKS / pack, target, ignore=shutil.ignore_patterns("*.egg-info", "dist"))
    return target
