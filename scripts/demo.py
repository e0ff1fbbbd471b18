"""The demo behind `nox -s demo`: upgrade a project kuzu-memory 1.6 left behind.

It builds, in a temporary folder, the layout a kuzu-memory 1.6.32 `init` + `install
claude-code` leaves (its database in `kuzu-memories/` with the old schema, nested Claude
hooks plus a user's own hook, old logs), then runs the commands a user would run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from kuzu_memory_migrations.testing.projects import build_project_1_6, memory_rows


def show(title: str, *args: str, env: dict[str, str]) -> None:
    command = ["kuzu-memory-migrations", *args]
    print(f"\n\033[1m$ {' '.join(command)}\033[0m  # {title}", flush=True)
    subprocess.run([sys.executable, "-m", "kuzu_memory_migrations", *args], env=env, check=False)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="kmm-demo-") as folder:
        root = Path(folder) / "my-project"
        home = Path(folder) / "home"
        home.mkdir()
        build_project_1_6(root, memories=5, claude_json=home / ".claude.json")
        before = len(memory_rows(root / "kuzu-memories" / "memories.db"))
        env = {**os.environ, "HOME": str(home), "COLUMNS": os.environ.get("COLUMNS", "110")}
        print(f"A project as kuzu-memory 1.6 left it: {root} ({before} memories in kuzu-memories/)")
        at = ["--project-root", str(root)]
        show("installed packs", "plugins", env=env)
        show("what is pending", "status", *at, env=env)
        show("preview: diffs and Cypher, nothing changes", "run", "--dry-run", *at, env=env)
        show("apply", "run", *at, env=env)
        show("the record", "history", "--verbose", *at, env=env)
        show("nothing left", "status", *at, env=env)
        after = len(memory_rows(root / ".kuzu-memory" / "memories.db"))
        print(f"\nMemories now in .kuzu-memory/memories.db: {after} (before: {before})")
        if after != before:
            sys.exit("memories were lost")


if __name__ == "__main__":
    main()
