"""Run migrations in this process, counting its durable steps, and kill it at one of them.

    python crash_driver.py ROOT [--kill-at N] [--include NAME,...]

Every operation that changes a file or a database raises an audit event before it happens
(`open` for writing, `os.rename`, `os.remove`, `os.mkdir`, `shutil.rmtree`, ... and the
framework's own `kuzu_memory_migrations.records.commit` and `...database.execute`). This
driver counts them; with `--kill-at N` it sends itself SIGKILL just before the Nth, so that
step and everything after it never happen. It prints the count when the run ends.
"""

from __future__ import annotations

import os
import signal
import sys

CHANGES = {
    "os.rename",
    "os.remove",
    "os.rmdir",
    "os.mkdir",
    "shutil.rmtree",
    "os.truncate",
    "os.chmod",
    "os.symlink",
    "os.link",
    "os.utime",
    "kuzu_memory_migrations.records.commit",
    "kuzu_memory_migrations.database.execute",
}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


class Steps:
    count = 0
    kill_at = 0


def _is_change(event: str, args: tuple[object, ...]) -> bool:
    if event == "open":
        flags = args[2]
        return isinstance(flags, int) and bool(flags & WRITE_FLAGS) and not isinstance(args[0], int)
    return event in CHANGES


def _hook(event: str, args: tuple[object, ...]) -> None:
    if _is_change(event, args):
        Steps.count += 1
        if Steps.count == Steps.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    root = sys.argv[1]
    if "--kill-at" in sys.argv:
        Steps.kill_at = int(sys.argv[sys.argv.index("--kill-at") + 1])
    include = ""
    if "--include" in sys.argv:
        include = sys.argv[sys.argv.index("--include") + 1]
    sys.addaudithook(_hook)
    from pathlib import Path

    from kuzu_memory_migrations.engine.project import Project
    from kuzu_memory_migrations.engine.runner import RunOptions, run

    options = RunOptions(include=frozenset(filter(None, include.split(","))))
    report = run(Project(Path(root)), options)
    statuses = sorted({o.status.value for o in report.final().values()})
    print(Steps.count, ",".join(statuses), report.stopped or "", flush=True)


if __name__ == "__main__":
    main()
