"""Drift means a change of behaviour: comments, docstrings and formatting do not count, a
changed statement does, per class; fingerprints recorded in the old form (the hash of the
source text) are still compared correctly."""

from __future__ import annotations

import ast
import hashlib
import json
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest
from cli_support import (
    DISTRIBUTION,
    HOOKS,
    LATER,
    NOTHING,
    SETTINGS,
    VERSION,
    Output,
    Pack,
    in_pipe,
    in_terminal,
)
from cli_support import interpreters as find_interpreters

FINGERPRINT = Path(__file__).resolve().parents[2] / "core/src/kuzu_memory_migrations/engine"
STATE = Path(".kuzu-memory") / "migration_state.json"


def kmm(pack: Pack, root: Path, *args: str) -> Output:
    return in_pipe(*args, "--project-root", str(root), env=pack.env)


def provenance(pack: Pack, root: Path) -> dict[str, dict[str, object]]:
    """Each applied migration's provenance, as `history --json` gives it."""
    rows = json.loads(kmm(pack, root, "history", "--json").text)
    return {row["name"]: row["provenance"] for row in rows if row["provenance"]}


def rewrite(pack: Pack, old: str, new: str) -> None:
    source = pack.module.read_text()
    assert old in source, old
    pack.module.write_text(source.replace(old, new))


COSMETIC = [  # in the class Later: a docstring, comments, the same code laid out otherwise
    (
        '"""Back-fill the memory tags once the settings say which tags to use."""',
        '"""Tags for every memory (reworded docstring)."""\n\n    # a comment of the author',
    ),
    (
        "        return True\n\n    def migrate(self) -> MigrationResult:\n",
        '        """Always."""\n\n        return (True)  # it always has work\n\n\n'
        "    def migrate(self) -> MigrationResult:\n",
    ),
    (
        'self.write_text(".kuzu-memory/acme-tags.txt", "tagged\\n")',
        "self.write_text(  # same call, other layout\n"
        "            '.kuzu-memory/acme-tags.txt',\n"
        "            'tagged\\n',\n"
        "        )",
    ),
]


@pytest.mark.parametrize("mode", ["pipe", 80])
def test_comments_docstrings_and_formatting_are_not_drift(
    mode: str | int, long_pack: Pack, long_project: Path
) -> None:
    assert kmm(long_pack, long_project, "run").code == 0
    for old, new in COSMETIC:
        rewrite(long_pack, old, new)

    args = ("check", "--strict", "--project-root", str(long_project))
    if mode == "pipe":
        check = in_pipe(*args, env=long_pack.env)
    else:
        check = in_terminal(*args, columns=int(mode), env=long_pack.env)
    status = kmm(long_pack, long_project, "status", "--json")

    assert check.code == 0, check.text
    assert json.loads(status.text)["drifted"] == []


def test_a_changed_statement_is_drift_of_its_class_only(
    long_pack: Pack, long_project: Path
) -> None:
    assert kmm(long_pack, long_project, "run").code == 0
    rewrite(long_pack, '"tagged\\n"', '"tagged again\\n"')

    check = kmm(long_pack, long_project, "check", "--strict")
    status = json.loads(kmm(long_pack, long_project, "status", "--json").text)

    assert check.code == 1, check.text
    assert [o["name"] for o in status["drifted"]] == [LATER]
    assert LATER in check.text and SETTINGS not in check.text
    fingerprints = [str(p["fingerprint"]) for p in provenance(long_pack, long_project).values()]
    assert fingerprints and all(f.startswith("ast1:") for f in fingerprints)


def old_form(module: Path, class_name: str) -> str:
    """The fingerprint the framework recorded before the ast1 form: sha256 of the source."""
    source = module.read_text()
    [node] = [n for n in ast.parse(source).body if getattr(n, "name", None) == class_name]
    segment = ast.get_source_segment(source, node) or ""
    return hashlib.sha256(segment.encode()).hexdigest()


def test_fingerprints_recorded_in_the_old_form_are_still_compared(
    long_pack: Pack, long_project: Path
) -> None:
    """A project as the previous release left it: its records inside migration_state.json
    (format 1), each fingerprint the sha256 of the class's source text."""
    assert kmm(long_pack, long_project, "run").code == 0
    state_file = long_project / STATE
    state = json.loads(state_file.read_text())
    classes = {SETTINGS: "Settings", HOOKS: "Hooks", LATER: "Later"}
    applied = provenance(long_pack, long_project)
    for name, cls in classes.items():
        applied[name]["fingerprint"] = old_form(long_pack.module, cls)
    state["kuzu_memory_migrations"] = {
        "format": 1,
        "applied": applied,
        "migrated_versions": {DISTRIBUTION: VERSION},
    }
    state_file.write_text(json.dumps(state, indent=2))
    for records in (long_project / ".kuzu-memory").rglob("records.sqlite*"):
        records.unlink()  # as before the records moved out of the file

    unchanged = kmm(long_pack, long_project, "check", "--strict")
    assert unchanged.code == 0, unchanged.text  # the same code: no drift after the upgrade

    rewrite(long_pack, '"tagged\\n"', '"tagged again\\n"')
    changed = json.loads(kmm(long_pack, long_project, "status", "--json").text)
    assert [o["name"] for o in changed["drifted"]] == [LATER]  # only the class that changed

    repaired = kmm(long_pack, long_project, "repair", LATER)
    assert repaired.code == 0 and LATER in repaired.text
    [records] = (long_project / ".kuzu-memory").rglob("records.sqlite")
    with closing(sqlite3.connect(records)) as db:
        query = "SELECT fingerprint FROM reference_fingerprints WHERE name = ?"
        [(reference,)] = db.execute(query, (LATER,)).fetchall()
    assert reference.startswith("ast1:")  # accepted in the new form
    rewrite(long_pack, 'message="tags back-filled")', 'message="tags back-filled")  # ok')
    assert kmm(long_pack, long_project, "check", "--strict").code == 0  # comments: not drift
    assert NOTHING not in applied


SAMPLE = '''
import dataclasses


@dataclasses.dataclass(frozen=True)
class Sample(object, metaclass=type):
    """Docstring."""

    width: int = 10
    name: str = "x"

    def show(self, value: float, *args: int, key: str = "k", **kw: object) -> str:
        label = f"{self.name!r:>{self.width}} {value:.2f} {'q'} {value=}"
        if (n := len(label)) > 3:
            match n:
                case 4 | 5:
                    return label[1:-1]
                case _:
                    pass
        total = sum(x * 2 for x in args if x) + (lambda y: y)(1)
        try:
            raise ValueError(b"bytes", 1.5, 2j, None, ..., True)
        except (ValueError, TypeError) as error:
            del error
        return f"{label}{total}"
'''

PRINT_FINGERPRINT = """
import importlib.util, sys, types
spec = importlib.util.spec_from_file_location("fingerprint", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
sample = types.ModuleType("sample")
sample.__file__ = sys.argv[2]
sys.modules["sample"] = sample
exec(compile(open(sys.argv[2]).read(), sys.argv[2], "exec"), sample.__dict__)
print(module.code_fingerprint(sample.Sample))
"""


def test_the_same_code_has_the_same_fingerprint_on_every_supported_python(
    tmp_path: Path,
) -> None:
    found = find_interpreters()
    if len(found) < 2:
        pytest.skip(f"only {found} installed: nothing to compare")
    sample = tmp_path / "sample.py"
    sample.write_text(SAMPLE)

    fingerprints = {
        version: subprocess.run(
            [python, "-c", PRINT_FINGERPRINT, str(FINGERPRINT / "fingerprint.py"), str(sample)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for version, python in found.items()
    }

    assert len(set(fingerprints.values())) == 1, fingerprints
    assert next(iter(fingerprints.values())).startswith("ast1:")
