"""One pack released twice: provenance, drift, stamp, check, repair, orphans, downgrade.

Version 1.0.0 is `packs/pack-drift` as it is; 2.0.0 changes the body of one migration and
adds another. Both are built as wheels and pip-installed over each other in a fresh
virtualenv, as a user upgrading, uninstalling and downgrading the pack would.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from installed import PackEnv, copy_pack

pytestmark = pytest.mark.slow

DIST = "kmm-it-pack-drift"
THIRD = """

class Third(Migration):
    name = "drift_third"

    def migrate(self) -> MigrationResult:
        self.write_text(".kuzu-memory/drift-third.txt", "third")
        return MigrationResult(success=True, message="third written")


MIGRATIONS: list[type[Migration]] = [First, Second, Third]
"""


def release(pack_env: PackEnv, where: Path, *, edited: bool) -> Path:
    """Build pack-drift as 1.0.0, or as 2.0.0 with drift_second edited and drift_third added."""
    source = copy_pack("pack-drift", where)
    if edited:
        pyproject = source / "pyproject.toml"
        pyproject.write_text(pyproject.read_text().replace('"1.0.0"', '"2.0.0"'))
        module = source / "src" / "kmm_it_pack_drift" / "__init__.py"
        text = module.read_text()
        text = text.replace('"second v1")  # EDITED', '"second v2")  # EDITED')
        text = text.replace("\n\nMIGRATIONS: list[type[Migration]] = [First, Second]\n", THIRD)
        assert "drift_third" in text and "second v2" in text
        module.write_text(text)
    return pack_env.build(source)["pack-drift"]


def test_a_pack_released_twice(
    pack_env: PackEnv, wheels: dict[str, Path], project: Path, tmp_path: Path
) -> None:
    version_a = release(pack_env, tmp_path / "a", edited=False)
    version_b = release(pack_env, tmp_path / "b", edited=True)
    state_file = project / ".kuzu-memory" / "migration_state.json"
    pack_env.use(wheels)  # none of the other test packs
    pack_env.install(DIST, version_a)

    # Version A runs; provenance records the pack, its version, the code, how and how long.
    pack_env.cli(project, "run")
    provenance = {e["name"]: e["provenance"] for e in pack_env.json(project, "history")}
    assert set(provenance) == {"drift_first", "drift_second"}
    assert provenance["drift_second"]["distribution"] == DIST
    assert provenance["drift_second"]["distribution_version"] == "1.0.0"
    assert provenance["drift_second"]["how"] == "run"
    assert provenance["drift_second"]["duration_ms"] is not None
    assert "kmm_it_pack_drift" in provenance["drift_second"]["source_file"]
    assert pack_env.cli(project, "check").stdout.startswith("ok")

    # Version B: exactly the edited migration drifts; the added one is pending.
    pack_env.install(DIST, version_b)
    status = pack_env.json(project, "status")
    assert [o["name"] for o in status["pending"]] == ["drift_third"]
    assert [o["name"] for o in status["drifted"]] == ["drift_second"]  # not its neighbour
    drift = status["drifted"][0]["drift"]
    assert DIST in drift and "kmm_it_pack_drift/__init__.py" in drift
    human = pack_env.cli(project, "status").stdout
    assert "drift_second" in human and "changed since it ran" in human
    assert "drift_second" in pack_env.json(project, "plan")["drifted"][0]["name"]

    assert pack_env.cli(project, "check", code=2).stdout.count("\n") == 1
    assert pack_env.cli(project, "check", "--strict", code=1).returncode == 1
    verdict = pack_env.json(project, "check", code=2)
    assert (verdict["pending"], verdict["drifted"]) == (["drift_third"], ["drift_second"])

    # stamp: a typo is a usage error that writes nothing; a dry run writes nothing either.
    before = state_file.read_bytes()
    typo = pack_env.cli(project, "stamp", "drift_thrid", code=64)
    assert "drift_third" in typo.stderr
    pack_env.cli(project, "stamp", "--dry-run", "drift_third")
    assert state_file.read_bytes() == before
    stamped = pack_env.json(project, "stamp", "drift_third")
    assert stamped["stamped"] == ["drift_third"]
    assert not (project / ".kuzu-memory" / "drift-third.txt").exists()  # recorded, not run
    history = {e["name"]: e for e in pack_env.json(project, "history")}
    assert history["drift_third"]["provenance"]["how"] == "stamp"
    assert history["drift_third"]["provenance"]["distribution_version"] == "2.0.0"

    pack_env.cli(project, "check", code=0)
    pack_env.cli(project, "check", "--strict", code=1)  # the drift is still there
    pack_env.cli(project, "repair", "--dry-run")
    pack_env.cli(project, "check", "--strict", code=1)
    assert pack_env.json(project, "repair")["repaired"] == ["drift_second"]
    pack_env.cli(project, "check", "--strict", code=0)
    assert pack_env.json(project, "status")["drifted"] == []

    # Uninstalled: every command still works; the migrations are orphaned, history kept.
    pack_env.uninstall(DIST)
    status = pack_env.json(project, "status")
    orphaned = {o["name"]: o for o in status["orphaned"]}
    assert set(orphaned) == {"drift_first", "drift_second", "drift_third"}
    assert f"{DIST} 2.0.0 is not installed" in orphaned["drift_third"]["reason"]
    for command in (("status",), ("plan",), ("history", "--verbose"), ("plugins",), ("run",)):
        pack_env.cli(project, *command)
    human = pack_env.cli(project, "status").stdout
    assert f"orphaned: 3 applied migration(s) of {DIST}" in human  # one line per pack
    pack_env.cli(project, "check", code=0)
    pack_env.cli(project, "check", "--strict", code=1)
    saved = json.loads(state_file.read_text())
    assert {e["name"] for e in saved["history"]} == {"drift_first", "drift_second", "drift_third"}

    # Version A again: a downgrade, reported with what the newer version applied.
    pack_env.install(DIST, version_a)
    (downgrade,) = pack_env.json(project, "status")["downgrades"]
    assert (downgrade["distribution"], downgrade["installed"], downgrade["migrated"]) == (
        DIST,
        "1.0.0",
        "2.0.0",
    )
    assert downgrade["migrations"] == ["drift_third"]
    startup = (
        "from kuzu_memory_migrations import auto_migrate; import sys; "
        "r = auto_migrate(sys.argv[1]); print(r.status, r.ok, len(r.applied), len(r.failed))"
    )
    for _ in range(3):  # neither fails nor loops (idle once the fast path trusts its stamp)
        started = pack_env.run("python", "-c", startup, str(project)).stdout.split()
        assert started[0] in {"done", "idle"} and started[1:] == ["True", "0", "0"]
    assert pack_env.json(project, "status")["downgrades"], "still reported after start-up"
    assert "downgrade" in pack_env.cli(project, "status").stdout


def test_forget_makes_a_migration_run_again(
    pack_env: PackEnv, wheels: dict[str, Path], project: Path, tmp_path: Path
) -> None:
    pack_env.use(wheels, "pack-a")
    pack_env.cli(project, "run")
    state_file = project / ".kuzu-memory" / "migration_state.json"
    before = state_file.read_bytes()

    assert "a_extend_trail" in pack_env.cli(project, "forget", "a_extnd_trail", code=64).stderr
    declined = pack_env.run(
        "kuzu-memory-migrations", "forget", "a_extend_trail", "--project-root", str(project)
    )
    assert declined.returncode == 64  # no terminal to ask on: not confirmed, and said so
    assert "--yes" in declined.stderr
    assert pack_env.json(project, "forget", "--dry-run", "a_extend_trail")["forgotten"] == [
        "a_extend_trail"
    ]
    assert state_file.read_bytes() == before

    pack_env.cli(project, "forget", "--yes", "a_extend_trail")
    pending = pack_env.json(project, "status")["pending"]
    assert [o["name"] for o in pending] == ["a_extend_trail"]
    pack_env.cli(project, "run")
    trail = (project / ".kuzu-memory" / "trail.txt").read_text().split()
    assert trail == ["a_create_trail", "a_extend_trail", "a_extend_trail"]
