"""Hooks, config and clean-up migrations of kuzu-memory-upgrades on real project files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from kuzu_memory_migrations import Status
from kuzu_memory_migrations.engine.project import Project
from kuzu_memory_migrations.engine.runner import Mode
from kuzu_memory_migrations.testing.projects import (
    DEFAULT_EXECUTABLE,
    USER_HOOK_COMMAND,
    build_flat_hooks_settings,
    build_project_1_6,
    build_project_1_12,
    hooks_settings_1_6,
)
from kuzu_memory_migrations.testing.snapshot import snapshot
from packs_support import migrate, outcome, statuses

pytestmark = pytest.mark.usefixtures("upgrades")

SETTINGS = Path(".claude") / "settings.local.json"


def _hooks(path: Path) -> dict[str, list[dict[str, Any]]]:
    hooks: dict[str, list[dict[str, Any]]] = json.loads(path.read_text())["hooks"]
    return hooks


def _nested(hooks: dict[str, list[dict[str, Any]]], event: str, index: int = 0) -> dict[str, Any]:
    hook: dict[str, Any] = hooks[event][index]["hooks"][0]
    return hook


# -- async_hooks_v1.6.33 -------------------------------------------------------------------


def test_async_hooks_nested_shape_keeps_enhance_sync_and_the_user_hook(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    build_project_1_6(root)
    settings = json.loads((root / SETTINGS).read_text())
    settings["hooks"]["UserPromptSubmit"][0]["hooks"][0]["async"] = True  # wrong: must go
    settings["permissions"] = {"allow": ["Bash(ls)"]}
    (root / SETTINGS).write_text(json.dumps(settings, indent=2))

    report = migrate(root)

    assert outcome(report, "async_hooks_v1.6.33").status is Status.APPLIED
    result = json.loads((root / SETTINGS).read_text())
    hooks = result["hooks"]
    assert _nested(hooks, "SessionStart")["async"] is True
    assert _nested(hooks, "PostToolUse")["async"] is True
    assert "async" not in _nested(hooks, "UserPromptSubmit")
    assert hooks["PostToolUse"][1] == {
        "matcher": "Edit|Write",
        "hooks": [{"type": "command", "command": USER_HOOK_COMMAND}],
    }
    assert result["permissions"] == {"allow": ["Bash(ls)"]}
    assert result["_comment"] == settings["_comment"]


def test_async_hooks_flat_shape_and_user_settings(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    build_project_1_6(root)
    build_flat_hooks_settings(root / SETTINGS)
    user = Path.home() / ".claude" / "settings.json"
    user.parent.mkdir(parents=True)
    user.write_text(json.dumps(hooks_settings_1_6(), indent=2))

    assert migrate(root).ok

    flat = _hooks(root / SETTINGS)
    assert flat["SessionStart"][0] == {"command": "kuzu-memory hooks session-start", "async": True}
    assert flat["PostToolUse"][0]["async"] is True
    assert flat["PostToolUse"][1] == {"command": USER_HOOK_COMMAND}
    assert flat["UserPromptSubmit"][0] == {"command": "kuzu-memory hooks enhance"}
    assert _nested(_hooks(user), "SessionStart")["async"] is True


def test_a_settings_file_linked_outside_is_changed_only_when_allowed(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    build_project_1_6(root)
    real = tmp_path / "dotfiles" / "settings.local.json"
    real.parent.mkdir()
    (root / SETTINGS).rename(real)
    (root / SETTINGS).symlink_to(real)
    before = real.read_bytes()

    refused = outcome(migrate(root), "async_hooks_v1.6.33")
    assert refused.status is Status.FAILED and f"--allow-path {real}" in refused.reason
    assert real.read_bytes() == before
    assert migrate(root, project=Project(root, allow_paths=(real,))).ok

    assert (root / SETTINGS).is_symlink()
    assert (root / SETTINGS).resolve() == real
    assert _nested(_hooks(real), "PostToolUse")["async"] is True


def test_a_1_12_project_needs_no_hook_change(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    build_project_1_12(root)
    report = migrate(root)
    assert outcome(report, "async_hooks_v1.6.33").status is Status.NOT_APPLICABLE


# -- bash_hooks_v1.7.0 ----------------------------------------------------------------------


def test_bash_hooks_point_learn_and_session_start_at_the_scripts(
    tmp_path: Path, kuzu_memory_installed: Path
) -> None:
    root = tmp_path / "proj"
    build_project_1_6(root)

    report = migrate(root)

    bash = outcome(report, "bash_hooks_v1.7.0")
    assert bash.status is Status.APPLIED
    hooks = _hooks(root / SETTINGS)
    assert _nested(hooks, "PostToolUse")["command"] == str(kuzu_memory_installed / "learn_hook.sh")
    assert _nested(hooks, "SessionStart")["command"] == str(
        kuzu_memory_installed / "session_start_hook.sh"
    )
    assert _nested(hooks, "PostToolUse")["async"] is True  # async_hooks ran after it
    assert _nested(hooks, "UserPromptSubmit")["command"] == f"{DEFAULT_EXECUTABLE} hooks enhance"
    assert _nested(hooks, "PostToolUse", 1)["command"] == USER_HOOK_COMMAND
    assert statuses(migrate(root)).get("bash_hooks_v1.7.0") is None  # applied: not run again


def test_bash_hooks_flat_shape(tmp_path: Path, kuzu_memory_installed: Path) -> None:
    root = tmp_path / "proj"
    build_project_1_6(root)
    build_flat_hooks_settings(root / SETTINGS)

    assert migrate(root).ok

    flat = _hooks(root / SETTINGS)
    assert flat["PostToolUse"][0]["command"] == str(kuzu_memory_installed / "learn_hook.sh")
    assert flat["PostToolUse"][1] == {"command": USER_HOOK_COMMAND}
    assert flat["UserPromptSubmit"][0] == {"command": "kuzu-memory hooks enhance"}


def test_bash_hooks_without_kuzu_memory_is_not_applicable_and_says_why(tmp_path: Path) -> None:
    from kuzu_memory_upgrades.v1_7_0_bash_hooks import BashHooksMigration

    root = tmp_path / "proj"
    build_project_1_6(root)
    report = migrate(root, Mode.PLAN)
    assert outcome(report, "bash_hooks_v1.7.0").status is Status.NOT_APPLICABLE
    assert "kuzu-memory is not installed" in BashHooksMigration(project_root=root).description()


# -- config_defaults_v1.7.0 -----------------------------------------------------------------


def test_config_defaults_keep_every_byte_of_the_yaml_but_the_new_keys(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    build_project_1_12(root)
    config = root / ".kuzu-memory" / "config.yaml"
    original = config.read_text()

    report = migrate(root)

    assert outcome(report, "config_defaults_v1.7.0").status is Status.APPLIED
    assert config.read_text() == original + (
        "queue_dir: /tmp/kuzu-memory-queue\nhooks:\n  use_bash_hooks: true\n"
    )


def test_config_defaults_on_config_json_keep_user_values(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / ".kuzu-memory").mkdir(parents=True)
    config = root / ".kuzu-memory" / "config.json"
    config.write_text(json.dumps({"queue_dir": "/var/q", "hooks": {"other": 1}, "debug": True}))

    report = migrate(root)

    assert outcome(report, "config_defaults_v1.7.0").status is Status.APPLIED
    assert json.loads(config.read_text()) == {
        "queue_dir": "/var/q",
        "hooks": {"other": 1, "use_bash_hooks": True},
        "debug": True,
    }
    assert "config_defaults_v1.7.0" not in statuses(migrate(root))


# -- cleanup_logs_v1.8.0 --------------------------------------------------------------------


def test_cleanup_removes_both_log_folders(tmp_path: Path, shared_logs: Path) -> None:
    root = tmp_path / "proj"
    build_project_1_6(root)
    shared_logs.mkdir()
    (shared_logs / "kuzu_enhance.log").write_text("x\n")

    report = migrate(root)

    assert outcome(report, "cleanup_logs_v1.8.0").changes == [
        f"Removed {root / '.kuzu-memory' / 'logs'}",
        f"Removed {shared_logs}",
    ]
    assert not (root / ".kuzu-memory" / "logs").exists()
    assert not shared_logs.exists()


def test_cleanup_counts_as_applied_where_1_12_ran_its_predecessor(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    build_project_1_6(root)
    entry = {
        "name": "cleanup_old_logs_v1.8.0",
        "version": "1.8.0",
        "migration_type": "cleanup",
        "timestamp": "2026-11-25T10:00:00",
        "success": True,
        "message": "ok",
        "changes": [],
    }
    (root / ".kuzu-memory" / "migration_state.json").write_text(
        json.dumps({"last_version": "1.12.11", "history": [entry]}, indent=2)
    )
    logs = snapshot(root / ".kuzu-memory" / "logs", framework=True, databases="bytes")

    report = migrate(root)

    assert "cleanup_logs_v1.8.0" not in statuses(report)
    assert snapshot(root / ".kuzu-memory" / "logs", framework=True, databases="bytes") == logs


def test_with_nothing_to_clean_the_host_still_never_runs_its_own_cleanup(tmp_path: Path) -> None:
    """kuzu-memory 1.12.11 runs every built-in migration its history lacks: the name of
    the one ours stands for is written even when ours finds nothing to do. From then on
    both are done, as they would be had the host run its own once."""
    root = tmp_path / "proj"
    build_project_1_6(root)
    for log in (root / ".kuzu-memory" / "logs").iterdir():
        log.unlink()
    (root / ".kuzu-memory" / "logs").rmdir()

    report = migrate(root)
    assert outcome(report, "cleanup_logs_v1.8.0").status is Status.NOT_APPLICABLE

    state = json.loads((root / ".kuzu-memory" / "migration_state.json").read_text())
    host_sees = {e["name"]: e for e in state["history"]}
    assert host_sees["cleanup_old_logs_v1.8.0"]["success"] is True
    assert "cleanup_logs_v1.8.0" in host_sees["cleanup_old_logs_v1.8.0"]["message"]
    assert "cleanup_logs_v1.8.0" not in host_sees  # ours did nothing: no entry of its own

    again = migrate(root)
    assert "cleanup_logs_v1.8.0" not in statuses(again)  # done, as after the host's own
    state_again = json.loads((root / ".kuzu-memory" / "migration_state.json").read_text())
    assert state_again == state
