"""What every benchmark shares: timing, fresh processes, and the results table.

Each figure is reported with the baseline it is compared with, measured in the same run,
so the ratio holds on any machine even where the absolute times do not.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Figure:
    """One measured figure and, when it has one, the baseline it is compared with."""

    section: str
    what: str
    value: float
    unit: str
    baseline_what: str = ""
    baseline: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None


@dataclass
class Results:
    figures: list[Figure] = field(default_factory=list)
    sizes: dict[str, str] = field(default_factory=dict)

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        ratio = f"  ratio {figure.ratio:.3g}" if figure.ratio is not None else ""
        base = (
            f" vs {figure.baseline_what} {human(figure.baseline, figure.unit)}"
            if (figure.baseline is not None)
            else ""
        )
        print(
            f"[{figure.section}] {figure.what}: {human(figure.value, figure.unit)}{base}{ratio}",
            flush=True,
        )
        return figure


def human(value: float | None, unit: str) -> str:
    """Seconds shown in the unit that suits them; other units as they are."""
    if value is None:
        return "-"
    if unit == "s":
        for scale, name in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
            if value >= scale or name == "µs":
                return f"{value / scale:.3g} {name}"
    if unit == "rows/s":
        return f"{value:,.0f} rows/s"
    if unit == "instructions":
        return f"{value / 1e6:,.0f} million instructions"
    if unit == "MiB":
        return f"{value:,.1f} MiB"
    return f"{value:.3g} {unit}"


def timed(
    action: Callable[[], Any], *, repeat: int = 5, clock: Callable[[], float] = time.perf_counter
) -> float:
    """Median time of `action` in this process: wall time, or `clock` (`time.process_time`
    for CPU work, steadier than wall time on a shared machine)."""
    samples = []
    for _ in range(repeat):
        started = clock()
        action()
        samples.append(clock() - started)
    return statistics.median(samples)


def fresh(
    code: str, *args: str, env: Mapping[str, str] | None = None, python: str = sys.executable
) -> dict[str, Any]:
    """Run `code` in a new interpreter; it prints one JSON object as its last line."""
    done = subprocess.run(
        [python, "-c", code, *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    if done.returncode != 0:
        raise RuntimeError(f"benchmark subprocess failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def fresh_median(
    code: str,
    key: str,
    *args: str,
    repeat: int,
    env: Mapping[str, str] | None = None,
    before: Callable[[], None] | None = None,
) -> float:
    """Median of one timing a fresh interpreter reports, over `repeat` interpreters."""
    samples = []
    for _ in range(repeat):
        if before is not None:
            before()
        samples.append(float(fresh(code, *args, env=env)[key]))
    return statistics.median(samples)


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    import platform

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f"{pages / 2**30:.0f} GiB RAM"
    except (ValueError, OSError):
        pass
    versions = {}
    from importlib import metadata

    for name in (
        "kuzu-memory-migrations",
        "kuzu-memory-upgrades",
        "kuzu-memory-ladybug",
        "example-pack",
        "kuzu",
        "ladybug",
        "pydantic",
        "pluggy",
    ):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return {
        "machine": f"{cpu}, {os.cpu_count()} cores, {memory}, {platform.system()} "
        f"{platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "versions": ", ".join(f"{name} {version}" for name, version in versions.items()),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }
