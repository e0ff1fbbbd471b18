"""Moving a database to the other engine, and the content fingerprint that proves it whole.

The move reads the old file only (the engine's own `EXPORT DATABASE`, parquet: it keeps
every value bit for bit, where CSV loses float digits), writes a new file beside it, and
never lets the new file stand in for the old one before it has been verified: every
table, its columns with their defaults, its row count and a digest of its rows, edges
included, equal on both sides. Kuzu and LadybugDB cannot share a process, so each step
runs in a child process of its own (`python -m kuzu_memory_migrations.engine.conversion`),
through `database`'s sessions there; a native crash in a child is an error here, not the
end of this process. Callers inside pack code pause the plain-I/O watch: this is the
framework's own work, journaled by `access`.

While the move runs, the session holds the old file (`DatabaseSession.hold`): no other
process can open it for writing (kuzu-memory falls back to read-only), so nothing written
between the export and the switch can be lost. The switch itself (`access`) is journaled:
the old file is kept in the migration's journal by a hard link, then one rename puts the
new file in its place, so every undo (a failure, a crash found by the next run, `rollback`)
gives the old file back byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from ..contract.access import MovedDatabase, Progress
from ..contract.errors import DatabaseError
from .database import (
    COMPANIONS,
    ENGINES,
    DatabaseSession,
    Engine,
    FileHold,
    can_load,
    file_engine,
    leftovers,
    load,
)
from .errors import DatabaseBusy

ProgressFactory = Callable[[str, "int | None"], Progress]
Fingerprint = dict[str, Any]
"""`{"tables": {name: {kind, columns, count, digest}}, "indexes": [[table, name, statement]]}`."""

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]
_HALF = 1 << 32
_RELATION = re.compile(r"CREATE (NODE|REL) TABLE `((?:[^`]|``)+)`")
_MULTIPLICITY = re.compile(r",\s*(MANY_MANY|MANY_ONE|ONE_MANY|ONE_ONE)\s*\)\s*$")
_COPY_FROM = re.compile(r'FROM "([^"]+)"')
_COPY_OF = re.compile(r"COPY `((?:[^`]|``)+)`")


def quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


# -- the fingerprint -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Selection:
    """One query over a table's rows: a node table's, or one (source, destination) pair's
    edges of a rel table (`ends`), each edge with its end points' keys."""

    ends: str
    pattern: str
    values: list[tuple[str, str]]
    """The (expression, type) of each value of a row, in order."""


@dataclass(frozen=True)
class _Shape:
    kind: str
    columns: list[list[str]]
    selections: list[_Selection]


def _shape(session: DatabaseSession, name: str, kind: str) -> _Shape:
    info = session.query(f"CALL table_info({_literal(name)}) RETURN *")
    columns = [[str(r["name"]), str(r["type"]), str(r["default expression"])] for r in info]
    own = [(f"n.{quoted(column)}", kind_of) for column, kind_of, _ in columns]
    if kind == "NODE":
        return _Shape(kind, columns, [_Selection("", f"(n:{quoted(name)})", own)])
    selections = []
    for pair in session.query(f"CALL show_connection({_literal(name)}) RETURN *"):
        src, dst = str(pair["source table name"]), str(pair["destination table name"])
        keys = [
            (f"a.{quoted(str(pair['source table primary key']))}", _key_type(session, src)),
            (f"b.{quoted(str(pair['destination table primary key']))}", _key_type(session, dst)),
        ]
        pattern = f"(a:{quoted(src)})-[n:{quoted(name)}]->(b:{quoted(dst)})"
        selections.append(_Selection(f"{src}->{dst}", pattern, keys + own))
    return _Shape(kind, columns, selections)


def _key_type(session: DatabaseSession, table: str) -> str:
    info = session.query(f"CALL table_info({_literal(table)}) RETURN *")
    return next(str(r["type"]) for r in info if r.get("primary key") is True)


def _hashable(expression: str, type_name: str) -> str:
    """What goes into the engine's row hash for one value: strings as their MD5, since
    Kuzu 0.11 hashes non-ASCII text lossily (`hash('ñ') = hash('é')`) and LadybugDB
    does not; both MD5 the same bytes alike."""
    if type_name == "STRING":
        return f"md5({expression})"
    if type_name == "STRING[]":
        return f"list_transform({expression}, x -> md5(x))"
    return expression


def _tables(session: DatabaseSession) -> list[tuple[str, str]]:
    rows = session.query("CALL show_tables() RETURN *")
    return sorted((str(r["name"]), str(r["type"])) for r in rows)


def fingerprint(session: DatabaseSession) -> Fingerprint:
    """Every table's kind, columns (name, type, default), row count and row digest.

    The digest is the sum of the engine's own `hash()` of each row (all its values, text
    by its MD5; for an edge, its end points' keys too), so the engine reads and hashes and
    nothing crosses into Python but two sums per query: a few seconds at 100,000 memories.
    A rel table's sums are kept per (source, destination) pair. Both engines hash alike
    (LadybugDB forked Kuzu's code); where a table's digests differ, `exact_digests`
    decides. Order does not matter, duplicates count.
    """
    tables: dict[str, Any] = {}
    for name, kind in _tables(session):
        shape = _shape(session, name, kind)
        count, sums = 0, []
        for selection in shape.selections:
            row = ", ".join(f"v{i}: {_hashable(v, t)}" for i, (v, t) in enumerate(selection.values))
            (found,) = session.query(
                f"MATCH {selection.pattern} WITH hash({{{row}}}) AS h RETURN count(*) AS n, "
                f"sum(CAST(h % {_HALF} AS INT64)) AS low, sum(CAST(h / {_HALF} AS INT64)) AS high"
            )
            count += int(found["n"])
            total = (int(found["high"] or 0) * _HALF + int(found["low"] or 0)) % (1 << 128)
            sums.append(f"{selection.ends}:{total:032x}")
        digest = " ".join(sums)
        tables[name] = {"kind": kind, "columns": shape.columns, "count": count, "digest": digest}
    indexes = [
        [str(r["table_name"]), str(r["index_name"]), str(r["index_definition"])]
        for r in session.query("CALL show_indexes() RETURN *")
        if r["index_type"] == "HNSW"
    ]
    return {"tables": tables, "indexes": sorted(indexes)}


def _encode(value: Any, out: bytearray) -> None:
    """A typed, length-prefixed, exact form of one value (floats by their bits)."""
    if value is None:
        out += b"N"
    elif isinstance(value, bool):
        out += b"T" if value else b"F"
    elif isinstance(value, int):
        out += b"I%d;" % value
    elif isinstance(value, float):
        out += b"D" + value.hex().encode() + b";"
    elif isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
        out += b"S%d:" % len(data) + data
    elif isinstance(value, bytes):
        out += b"B%d:" % len(value) + value
    elif isinstance(value, list | tuple):
        out += b"L%d:" % len(value)
        for item in value:
            _encode(item, out)
    elif isinstance(value, dict):
        items = sorted((str(k), v) for k, v in value.items() if not str(k).startswith("_"))
        out += b"M%d:" % len(items)
        for key, item in items:
            _encode(key, out)
            _encode(item, out)
    elif isinstance(value, datetime | date | timedelta | Decimal | UUID):
        out += type(value).__name__.encode() + b"(" + str(value).encode() + b")"
    else:
        raise DatabaseError(f"no exact form for a {type(value).__name__} value: {value!r}")


def exact_digests(session: DatabaseSession, names: Iterable[str]) -> dict[str, str]:
    """Digests of these tables computed here, value by value (SHA-256 of each row, summed):
    slower than `fingerprint`, independent of either engine's `hash()`."""
    kinds = dict(_tables(session))
    digests = {}
    for name in names:
        total = 0
        for selection in _shape(session, name, kinds[name]).selections:
            returned = ", ".join(f"{v} AS v{i}" for i, (v, _) in enumerate(selection.values))
            for row in session.query(f"MATCH {selection.pattern} RETURN {returned}"):
                out = bytearray()
                _encode(selection.ends, out)
                for value in row.values():
                    _encode(value, out)
                total += int.from_bytes(hashlib.sha256(out).digest(), "big")
        digests[name] = f"{total % (1 << 256):064x}"
    return digests


def differences(
    source: Fingerprint, target: Fingerprint, exact: Callable[[list[str]], list[str]]
) -> list[str]:
    """What the target lacks or has otherwise, table by table (empty: the same content).

    `exact(names)` compares those tables value by value, for digests that differ while
    everything else agrees, and names the ones that really differ.
    """
    problems: list[str] = []
    recheck: list[str] = []
    ours, theirs = source["tables"], target["tables"]
    for name in sorted(set(ours) | set(theirs)):
        if name not in theirs or name not in ours:
            side = "the new database" if name in ours else "the old one"
            problems.append(f"{name}: missing from {side}")
            continue
        old, new = ours[name], theirs[name]
        found = [
            f"{name}: {key} {old[key]} became {new[key]}"
            for key in ("kind", "columns", "count")
            if old[key] != new[key]
        ]
        problems += found
        if not found and old["digest"] != new["digest"]:
            recheck.append(name)
    if recheck:
        problems += [f"{name}: rows differ" for name in exact(recheck)]
    return problems


# -- children --------------------------------------------------------------------------------


class _Child:
    """One step run in a child process: progress and a result come back as JSON lines."""

    def __init__(self, engine: Engine, operation: str, **arguments: Any) -> None:
        self.what = f"{operation} ({engine.label})"
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115  (closed in result())
        environment = dict(os.environ)
        path = environment.get("PYTHONPATH")
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_PACKAGE_ROOT), path]))
        command = [sys.executable, "-m", __name__, engine.name, operation, json.dumps(arguments)]
        self._process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=self._errors, text=True, env=environment
        )

    def result(self, progress: Progress | None = None) -> Any:
        """Wait for the child; its result, or the error it reported (DatabaseBusy kept)."""
        assert self._process.stdout is not None
        answer: dict[str, Any] = {}
        for line in self._process.stdout:
            message = json.loads(line)
            if "advance" in message and progress is not None:
                progress.advance(int(message["advance"]))
            answer = message
        code = self._process.wait()
        self._errors.seek(0)
        errors = self._errors.read().decode("utf-8", "replace").strip()
        self._errors.close()
        if code < 0:
            raise DatabaseError(
                f"{self.what}: the engine crashed (signal {-code}): {errors[-600:]}"
            )
        if "error" in answer:
            kind = DatabaseBusy if answer.get("busy") else DatabaseError
            raise kind(f"{self.what}: {answer['error']}")
        if code != 0 or "result" not in answer:
            raise DatabaseError(f"{self.what} failed (exit {code}): {errors[-600:]}")
        return answer["result"]

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()


def in_child(engine: Engine, operation: str, progress: Progress | None = None, **args: Any) -> Any:
    child = _Child(engine, operation, **args)
    try:
        return child.result(progress)
    finally:
        child.stop()


def fingerprint_of(path: Path, engine: Engine) -> Fingerprint:
    """The fingerprint of a database file, read-only: here when its engine can be loaded
    here, else in a child."""
    if not can_load(engine):
        result: Fingerprint = in_child(engine, "fingerprint", path=str(path))
        return result
    session = DatabaseSession(path, known_engine=engine)
    try:
        return fingerprint(session)
    finally:
        session.close()


def changed_since(path: Path, recorded: Fingerprint) -> list[str]:
    """How the database at `path` differs from the fingerprint taken when it was put there
    (by content: an engine rewrites header bytes on a mere read-write open). DatabaseBusy
    while another process holds it open for writing."""
    engine = file_engine(path)
    if engine is None:
        return [f"{path} is missing or empty"]
    FileHold(path).release()
    return differences(recorded, fingerprint_of(path, engine), lambda names: names)


def extension_error(engine: Engine, name: str) -> str | None:
    """Why the engine cannot load an extension (`LOAD EXTENSION`, never `INSTALL`, which
    downloads); None when it can. Kuzu 0.11 has VECTOR built in."""
    if engine is ENGINES["kuzu"]:
        return None
    if not can_load(engine):
        error: str | None = in_child(engine, "extension", name=name)
        return error
    return _extension_error(engine, name)


def _extension_error(engine: Engine, name: str) -> str | None:
    module = load(engine)
    database = module.Database(":memory:")
    connection = module.Connection(database)
    try:
        connection.execute(f"LOAD EXTENSION {name}")
    except RuntimeError as error:
        return str(error).splitlines()[0]
    finally:
        connection.close()
        database.close()
    return None


# -- the steps, as the children run them ------------------------------------------------------


def _export(session: DatabaseSession, folder: Path) -> list[str]:
    """EXPORT DATABASE as parquet; schema.cypher rebuilt with the column DEFAULTs that Kuzu
    0.11's export leaves out; returns the index statements (which the import runs only
    if told to)."""
    session.query(f"EXPORT DATABASE {_literal(str(folder))} (format='parquet')")
    schema = folder / "schema.cypher"
    rebuilt = []
    for statement in _statements(schema.read_text(encoding="utf-8")):
        found = _RELATION.match(statement)
        if found is None:
            rebuilt.append(statement)
            continue
        kind, name = found.group(1), found.group(2).replace("``", "`")
        info = session.query(f"CALL table_info({_literal(name)}) RETURN *")
        columns = [
            f"{quoted(str(r['name']))} {r['type']}"
            + (f" DEFAULT {r['default expression']}" if r["default expression"] != "NULL" else "")
            for r in info
        ]
        if kind == "NODE":
            (key,) = [str(r["name"]) for r in info if r["primary key"] is True]
            columns.append(f"PRIMARY KEY({quoted(key)})")
            rebuilt.append(f"CREATE NODE TABLE {quoted(name)} ({', '.join(columns)})")
            continue
        pairs = session.query(f"CALL show_connection({_literal(name)}) RETURN *")
        ends = [
            f"FROM {quoted(str(pair['source table name']))} "
            f"TO {quoted(str(pair['destination table name']))}"
            for pair in pairs
        ]
        multiplicity = _MULTIPLICITY.search(statement)
        rest = [multiplicity.group(1)] if multiplicity else []
        rebuilt.append(f"CREATE REL TABLE {quoted(name)} ({', '.join(ends + columns + rest)})")
    schema.write_text("".join(f"{s};\n" for s in rebuilt), encoding="utf-8")
    index = folder / "index.cypher"
    return _statements(index.read_text(encoding="utf-8")) if index.exists() else []


def _statements(text: str) -> list[str]:
    return [s.strip() for s in text.split(";\n") if s.strip().rstrip(";")]


def _import(
    session: DatabaseSession,
    folder: Path,
    counts: dict[str, int],
    index: list[str],
    report: Callable[[int], None],
) -> str | None:
    """IMPORT DATABASE, statement by statement so that progress counts rows: the schema,
    one COPY per table, then the index statements if VECTOR loads. Returns why it did not
    (None: built, or there were none)."""
    for statement in _statements((folder / "schema.cypher").read_text(encoding="utf-8")):
        session.execute(statement)
    for statement in _statements((folder / "copy.cypher").read_text(encoding="utf-8")):
        table = _copied_table(statement)
        absolute = _COPY_FROM.sub(lambda m: f'FROM "{folder / m.group(1)}"', statement, count=1)
        session.execute(_without_parallel(absolute))
        report(counts.get(table, 0))
    error = None
    if index:
        try:
            session.execute("LOAD EXTENSION VECTOR")  # never INSTALL: that downloads
        except DatabaseError as refused:
            error = str(refused.__cause__ or refused).splitlines()[0]
        for statement in [] if error else index:
            session.execute(statement)
    session.execute("CHECKPOINT")
    return error


def _without_parallel(statement: str) -> str:
    """Kuzu's export asks for `parallel=true`; LadybugDB's parquet reader takes no such option."""
    options = re.sub(r",?\s*parallel=(?:true|false)", "", statement)
    return re.sub(r"\s*\(\s*\)\s*$", "", re.sub(r"\(\s*,\s*", "(", options))


def _copied_table(statement: str) -> str:
    found = _COPY_OF.match(statement)
    return found.group(1).replace("``", "`") if found else ""


def _child_main(argv: list[str]) -> int:
    """`python -m kuzu_memory_migrations.engine.conversion ENGINE OPERATION JSON`."""
    engine, operation, arguments = ENGINES[argv[0]], argv[1], json.loads(argv[2])

    def say(message: dict[str, Any]) -> None:
        print(json.dumps(message), flush=True)

    try:
        result = _run_step(engine, operation, arguments, lambda n: say({"advance": n}))
    except (DatabaseError, RuntimeError, OSError) as error:
        say({"error": str(error), "busy": isinstance(error, DatabaseBusy)})
        return 1
    say({"result": result})
    return 0


def _run_step(
    engine: Engine, operation: str, arguments: dict[str, Any], report: Callable[[int], None]
) -> Any:
    if operation == "extension":
        return _extension_error(engine, arguments["name"])
    path = Path(arguments["path"])
    if operation == "import":
        path.touch(exist_ok=False)  # a new, empty file: a new database to every engine
        writer = DatabaseSession(path, phase="write", mode="autocommit", known_engine=engine)
        try:
            folder, counts = Path(arguments["folder"]), arguments["counts"]
            error = _import(writer, folder, counts, arguments["index"], report)
        finally:
            writer.close()
        # Read back from the file, through a database opened anew: what the next user sees.
        started = time.perf_counter()
        contents = fingerprint_of(path, engine)
        seconds = time.perf_counter() - started
        return {"index_error": error, "fingerprint": contents, "seconds": seconds}
    session = DatabaseSession(path, known_engine=engine)
    try:
        if operation == "fingerprint":
            return fingerprint(session)
        if operation == "exact":
            return exact_digests(session, arguments["tables"])
        if operation == "export":
            return _export(session, Path(arguments["folder"]))
        raise DatabaseError(f"unknown step {operation!r}")
    finally:
        session.close()


# -- the move ---------------------------------------------------------------------------------


@dataclass
class _Timer:
    seconds: dict[str, float] = field(default_factory=dict)
    _started: float = field(default_factory=time.perf_counter)

    def lap(self, step: str, *, less: float = 0.0, more: float = 0.0) -> None:
        """Time since the last lap; `less` of it belongs to the next step, `more` is this one's."""
        now = time.perf_counter()
        self.seconds[step] = round(now - self._started - less + more, 3)
        self._started = now


def new_path(path: Path, engine: Engine) -> Path:
    """Where the new file is built, beside the old one (same file system: one rename)."""
    return path.with_name(f"{path.name}.{engine.name}-new")


def preview(session: DatabaseSession, engine: Engine) -> MovedDatabase:
    """What a move would do, read-only: tables, rows, size, whether the index can be built."""
    source = session.engine
    found = fingerprint(session) if can_load(source) else fingerprint_of(session.path, source)
    session.close()
    indexes = [statement for _, _, statement in found["indexes"]]
    return MovedDatabase(
        path=session.path,
        source_engine=source.name,
        engine=engine.name,
        tables={name: table["count"] for name, table in found["tables"].items()},
        size=session.path.stat().st_size,
        index_statements=indexes,
        index_error=extension_error(engine, "VECTOR") if indexes else None,
        preview=True,
    )


def move(
    session: DatabaseSession,
    engine: Engine,
    *,
    created: Callable[[Path], object],
    progress: ProgressFactory,
) -> tuple[MovedDatabase, Fingerprint]:
    """Build and verify a copy of the session's database for `engine`, beside it.

    `created(path)` is called before each path the move creates (the journal notes it, so
    an undo removes it). On any failure the new file is removed and the old one is as it
    was; on success the session still holds the old file, for the switch.
    """
    source, path = session.engine, session.path
    if (source.name, engine.name) != ("kuzu", "ladybug"):
        raise DatabaseError(
            f"{path}: only a Kuzu database moves, to LadybugDB (LadybugDB exports in its own "
            "layout, which Kuzu cannot read); a move is undone by rolling it back"
        )
    if found := leftovers(path):
        raise DatabaseError(
            f"{path} is open or was not closed cleanly ({', '.join(p.name for p in found)} "
            "beside it): close kuzu-memory (or open the project once with it), then retry"
        )
    target = new_path(path, engine)
    work = path.with_name(f".{path.name}.export")
    for stale in (target, work, *leftovers(target)):
        if stale.exists():
            raise DatabaseError(f"{stale} is in the way of the move: remove it, then retry")
    size = path.stat().st_size
    session.hold()
    timer = _Timer()
    for made in (work, target, *(target.with_name(target.name + s) for s in COMPANIONS)):
        created(made)
    try:
        work.mkdir()
        counting = _Child(source, "fingerprint", path=str(path))  # meanwhile, read-only too
        exporting = progress(f"exporting {path.name} from {source.label}", None)
        try:
            index = in_child(source, "export", path=str(path), folder=str(work / "export"))
            before: Fingerprint = counting.result()
        finally:
            exporting.close()
            counting.stop()
        timer.lap("export")
        counts = {name: table["count"] for name, table in before["tables"].items()}
        importing = progress(f"importing into {engine.label}", sum(counts.values()))
        try:
            imported = in_child(
                engine,
                "import",
                importing,
                path=str(target),
                folder=str(work / "export"),
                counts=counts,
                index=index,
            )
        finally:
            importing.close()
        timer.lap("import", less=imported["seconds"])
        error, after = imported["index_error"], imported["fingerprint"]

        def exact(names: list[str]) -> list[str]:
            old = in_child(source, "exact", path=str(path), tables=names)
            new = in_child(engine, "exact", path=str(target), tables=names)
            return [name for name in names if old[name] != new[name]]

        problems = differences(before, after, exact)
        if problems:
            raise DatabaseError(
                f"the {engine.label} copy of {path} differs from it, so it was removed and "
                f"{path} is untouched: {'; '.join(problems)}"
            )
        timer.lap("verify", more=imported["seconds"])
    except BaseException:
        for made in (target, *leftovers(target)):
            made.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    moved = MovedDatabase(
        path=path,
        source_engine=source.name,
        engine=engine.name,
        tables=counts,
        size=size,
        new_size=target.stat().st_size,
        index_statements=index,
        index_error=error,
        seconds=timer.seconds,
    )
    return moved, after


if __name__ == "__main__":
    raise SystemExit(_child_main(sys.argv[1:]))
