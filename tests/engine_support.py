"""What tests of both engines share: a database's whole content, read in a process of its own.

Kuzu and LadybugDB cannot share a process, so `dump` reads a database in a fresh interpreter
with the engine its file says, through the engine's own API (not the framework's
fingerprint, which the move itself uses): every row of every table as exact, canonical
JSON (floats by their bits, timestamps to the microsecond), edges with their end points'
keys, sorted. Two databases hold the same data when their dumps are equal.
"""

from __future__ import annotations

import functools
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

_DUMP = r"""
import datetime, decimal, importlib, json, sys, uuid
path, name = sys.argv[1], sys.argv[2]
engine = importlib.import_module(name)
database = engine.Database(path, read_only=True)
connection = engine.Connection(database)

def rows(query):
    result = connection.execute(query)
    found = result.get_all()
    result.close()
    return found

def canonical(value):
    if isinstance(value, float):
        return {"f": value.hex()}
    if isinstance(value, (datetime.date, datetime.timedelta, decimal.Decimal, uuid.UUID)):
        return {type(value).__name__: str(value)}
    if isinstance(value, (list, tuple)):
        return [canonical(item) for item in value]
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in sorted(value.items()) if not k.startswith("_")}
    return value

def q(name):
    return "`" + name.replace("`", "``") + "`"

out = {}
for _, table, kind, *_ in rows("CALL show_tables() RETURN *"):
    if kind == "NODE":
        found = [canonical(r[0]) for r in rows(f"MATCH (n:{q(table)}) RETURN n")]
    else:
        found = []
        for src, dst, src_key, dst_key in rows(f"CALL show_connection('{table}') RETURN *"):
            found += [
                [src, dst, canonical(a), canonical(b), canonical(r)]
                for a, b, r in rows(
                    f"MATCH (a:{q(src)})-[r:{q(table)}]->(b:{q(dst)}) "
                    f"RETURN a.{q(src_key)}, b.{q(dst_key)}, r"
                )
            ]
    info = [list(r[1:4]) for r in rows(f"CALL table_info('{table}') RETURN *")]
    found = sorted(json.dumps(r, sort_keys=True) for r in found)
    out[table] = {"kind": kind, "columns": info, "rows": found}
connection.close()
database.close()
print(json.dumps(out))
"""


def engine_of(path: Path) -> str:
    """The engine that wrote a database file, from its first four bytes."""
    return {b"KUZU": "kuzu", b"LBUG": "ladybug"}[path.read_bytes()[:4]]


def dump(path: Path, *, skip: tuple[str, ...] = ("_kmm_applied",)) -> dict[str, Any]:
    """Table -> kind, columns (name, type, default) and every row, read in a child process."""
    done = subprocess.run(
        [sys.executable, "-c", _DUMP, str(path), engine_of(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"dump of {path} failed ({done.returncode}):\n{done.stderr}"
    tables: dict[str, Any] = json.loads(done.stdout)
    return {name: table for name, table in tables.items() if name not in skip}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_with(engine: str, code: str, *args: str) -> str:
    """`code` in a fresh interpreter with `engine` imported as `engine`; its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", f"import {engine} as engine, sys\n{code}", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"{engine} child failed ({done.returncode}):\n{done.stderr}"
    return done.stdout


@functools.cache
def engine_missing(engine: str) -> str | None:
    """Why the engine cannot be used on this Python (checked in a fresh interpreter)."""
    done = subprocess.run(
        [sys.executable, "-c", f"import {engine}; {engine}.Database(':memory:')"],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stderr.strip().splitlines()
    return None if done.returncode == 0 else (lines[-1] if lines else f"exit {done.returncode}")
