"""docs/benchmarks.md, written from a bench run: the table, the machine, how to reproduce."""

from __future__ import annotations

from pathlib import Path

from common import Figure, Results, human

HEADER = """# Benchmarks

<!-- Written by `nox -s bench` (benchmarks/run.py); edit benchmarks/report.py, not this file. -->

kuzu-memory checks for migrations at every CLI start, and its hooks start the CLI on every
prompt, so the "nothing to do" answer must cost nothing and everything else must scale.
Every figure below is compared with a baseline **measured in the same run**: the ratio is what
carries over to another machine; absolute times depend on it (and on its load).

| | |
| --- | --- |
| machine | {machine} |
| python | {python} |
| versions | {versions} |
| date | {date} |
| command | `{command}` (took {elapsed}) |
| sizes | {sizes} |

## Results

| section | figure | value | baseline | baseline value | ratio | note |
| --- | --- | --- | --- | --- | --- | --- |
"""

FOOTER = """
## What is measured, and against what

- **Start-up.** A kuzu-memory 1.12 project with a real database, migrated once by every
  installed pack. *Fast path*: the first `auto_migrate(project)` call in a fresh interpreter
  (the import is reported separately). *Full check*: the same call with the idle stamp
  removed, so every pack is imported, every migration validated, planned and checked, and
  the stamp written again. *Legacy*: a synthetic package of twelve `v*` modules built the
  way kuzu-memory's built-in system is (scan the folder, import each module, collect the
  classes, read the state, ask each migration); its base classes use pydantic as the
  original does. The real kuzu-memory 1.12.11 check was measured at about 190 ms plus 0.7 s
  of import (see the Kuzu facts page); the synthetic one is lighter, so the ratios here are
  conservative.
- **Planning.** 100 packs made in process, each a dependency chain, every tenth migration
  also depending on one of the previous pack. *Catalog*: every class validated (pydantic).
  *Ordering*: topological order, then priority, version and name. *Whole plan*: what
  `status` computes, each migration built and asked through the hooks. Each figure at each
  size runs in a fresh interpreter and is the median CPU time of seven. The baseline is
  the smaller size: a ratio equal to the size ratio means linear growth. The whole plan is
  also counted in instructions with valgrind's callgrind (a process planning twice, less
  one planning once): a count that the machine's load and its caches do not change.
- **Bookkeeping.** *Recording* one applied migration is one SQLite transaction in
  `records.sqlite` (WAL, fsynced), whatever the history's length; the old way rewrote the
  whole state file after each migration. *Writing the legacy file* (`migration_state.json`,
  what kuzu-memory reads) happens once per run. `status` and `history --limit 20` run as a
  user runs them, in a fresh process; so do `status` and `auto_migrate` with one pack of
  many migrations.
- **Data.** The same Cypher through a `DataMigration` (plugin loading, lock, journal,
  transaction, state) against raw kuzu (open, `BEGIN`, statement, `COMMIT`, close), each in
  a fresh process on its own copy of the database, alternated five times; the best of each
  side is compared (on a shared machine the best run is the one least disturbed). The
  transform reads every row's content, hashes it in Python and writes `content_hash` back
  in the migration's one transaction: with `iter_nodes` and `update_nodes` where the core
  offers them, else with key-paged `iter_batches` and `UNWIND $rows` writes (measured
  separately as well, for packs written that way). Its baseline is a raw kuzu script doing
  the same work (one result set read a batch at a time, one reused prepared statement
  writing each batch by storage offset). Both run with a 1 GiB buffer pool
  (`KUZU_MEMORY_MIGRATIONS_BUFFER_POOL_MIB`); best of three, alternated. Peak RSS is the
  process's own high-water mark (`VmHWM`: `getrusage` would report at least the RSS of the
  parent that built the databases) and includes Python, Kuzu's page cache and the
  transaction, which Kuzu keeps in memory until `COMMIT`.
- **Snapshot.** `database_mode = "snapshot"` copies the database file into the journal
  (fsynced, so that it survives a crash), against `cp` of the same file, with and without
  an fsync.
- **Packs.** `entry_points(group="kuzu_memory.migrations")` in a fresh process, through
  the standard library's `importlib.metadata` and through the importlib-metadata package,
  in a virtualenv holding a few hundred distributions (see below).
- **LadybugDB.** `ladybug_move_v0.1.0` (kuzu-memory-ladybug) through the runner in a fresh
  process, on a copy of a `populate_1_12` database: export, import, the content
  fingerprint of every table on both sides, the journaled switch, the config. Against, on
  another copy of the same file, the engines' own way: Kuzu's `EXPORT DATABASE` in one
  process, then LadybugDB's `IMPORT DATABASE` in another (the vector index left out, as
  the move leaves it out without VECTOR). Alternated, best of each side.

## Where it stands

- The start-up fast path answers from a few `stat` calls; importing the package needs only
  `os`, `sys` and `time` (no pathlib, pydantic, pluggy or kuzu), so a host pays the
  "Whole idle start" figure once per process.
- Recording a migration is constant in the history's length, and `history --limit 20` and
  `status` read what they show from the records' indexes: 100,000 entries cost little more
  than 10. The legacy file stays bounded (the newest entries and the host's).
- Planning grows linearly: the instructions a plan executes grow as the migrations do
  (the ordering's heap holds only the migrations ready to run). Its CPU time grows
  somewhat faster, as any Python program's does when its objects outgrow the processor's
  caches, and varies from run to run on a shared machine. The garbage collector is
  paused while a catalog or a plan is built: its collections walked every pack's classes
  again and made 10,000 migrations cost 17 to 80 times 1,000.
- A data migration in one transaction keeps its changes in memory until `COMMIT` (Kuzu
  does), so its peak RSS grows with the rows it changes; snapshot mode commits each
  statement and peaks lower, but not flat: raw kuzu doing the same work grows alike (the
  figures against raw kuzu above), since the engine keeps memory outside its buffer pool
  that grows with the rows written. The rows per second stay flat in the table's size.

## Entry-point discovery: the standard library, not importlib-metadata

Loading packs starts with `importlib.metadata.entry_points(group="kuzu_memory.migrations")`,
which reads the metadata of every installed distribution. The importlib-metadata package
(the standard library's module, released ahead of it) was measured against it, to see
whether depending on it would pay: `python benchmarks/bench_entry_points.py --python
python3.11 python3.12 python3.13` (also the `packs` section of `nox -s bench`), in a
virtualenv of each Python with 304 distributions (3 of them packs), each figure the best
of 41 fresh processes, the two alternated. Measured on 2026-12-01 on the 2-core machine
while other work loaded it (load average about 8), with importlib-metadata 10.2.0:

| Python | import: stdlib / package | `entry_points(group=...)`: stdlib / package |
| --- | --- | --- |
| 3.11.7 | 52.7 ms / 33.7 ms | 16.9 ms / 16.8 ms |
| 3.12.1 | 42.8 ms / 34.1 ms | 13.6 ms / 18.5 ms |
| 3.13.0 | 23.3 ms / 23.8 ms | 12.5 ms / 20.1 ms |

The call itself is no faster through the package on any supported Python (as fast on
3.11, 1.4 and 1.6 times slower on 3.12 and 3.13), and both find the same entry points.
Its import is cheaper than the standard library's on 3.11 and 3.12, but that saving would
not reach users: by the time packs are loaded the standard library's module is imported
already (pydantic's plugin loader and the engine's own modules import it), so the package
would be a second import on top, about 25 to 35 ms, for no faster discovery. The API
needed (`entry_points(group=...)`, `EntryPoint.dist`) is in the standard library since
Python 3.10, below the 3.11 this project requires. So the core keeps the standard library's
`importlib.metadata` and does not depend on importlib-metadata. The start-up fast path is
not concerned either way: when nothing changed it reads no metadata at all.

## Notes for pack authors

- Read a node table with `iter_nodes(table, properties, where=...)` and write it back with
  `update_nodes(table, rows, properties)`: pages of storage offsets, each one query, and
  writes addressed by offset, so a row costs the same whatever the table's size (the
  transform figures above). `iter_batches` takes any read query and reads it from one
  result set, which Kuzu holds in its buffer pool until the loop ends.
- How Kuzu 0.11.3's ways of reading a whole table compare, measured once outside this bench
  (two cores, a shared machine; the work as in the transform; writes by offset with one
  prepared statement, batches of 5,000; rows per CPU-second, 1,000,000 rows against
  100,000):

  | read | 1M / 100k | what each page costs, or the read holds |
  | --- | --- | --- |
  | key-range pages (`m.id > $after ORDER BY m.id LIMIT`) | 0.49 | a table scan, top-k per page |
  | `ORDER BY m.id SKIP $n LIMIT $k` pages | 0.18 | a sort of the table per page |
  | offset pages of 5,000 (`offset(id(m))` ranges) | 0.41 | a property scan per page |
  | **offset pages of 100,000 (`iter_nodes`)** | 0.91 | one page; 10 scans at 1M |
  | one result set read with `get_n` (`iter_batches`) | 0.89 | the whole result, in the pool |
  | `COPY (...) TO` a CSV file, read with `csv` | 1.12 | a file; all text, NULL = `''` |
  | `COPY (...) TO` a Parquet file, read with pyarrow | 1.19 | pyarrow's buffers, +100-150 MB |

  Offset pages come close to the file exports without their loss of types, or pyarrow. For
  writes, at 1M rows: `UNWIND $rows` joined on `m.id` 23,465 rows per CPU-second (peak RSS
  1,607 MB, parameters kept), the same prepared once 24,366, parallel lists with a key
  range 44,304, offset range and list index prepared once (`update_nodes`) 121,581.
- A data migration is one Kuzu transaction, and Kuzu keeps everything it changes in its
  buffer pool until `COMMIT`: 330 to 390 bytes per row for a 64- to 77-character string,
  about 110 for an `INT32`. Nothing reaches the WAL before `COMMIT`; then the whole change
  is written and checkpointed. A change that outgrows the pool fails ("The buffer pool is
  full") and Kuzu rolls back the whole transaction. Kuzu's `spill_to_disk` setting does
  not move a transaction's changes out of the pool: raw kuzu's transform of 1,000,000 rows
  failed so with a 128 MiB pool whether it was on or off (measured once outside this
  bench).
- Committing each statement (`database_mode = "snapshot"`) does not make the peak RSS flat
  either: Kuzu 0.11.3 keeps memory outside its buffer pool that grows with the rows written.
  Measured once outside this bench, raw kuzu writing 1,000,000 rows by offset pages of
  100,000 with prepared statements and a 64 MiB pool peaked at 240 MiB against 120 MiB at
  100,000 rows (reading alone, 135 against 85: the pool filled by the larger table); a
  `CHECKPOINT` after each page did not lower the peak (282 MiB), reopening the database
  after each page did somewhat (203 MiB). The pool bounds the engine's cache, not the rest.
- Each full rewrite of a string property grows `memories.db` by about that property's size:
  Kuzu 0.11.3 does not reuse the space of the old values.
- Kuzu has no ordered index to seek with: a page of rows (`WHERE m.id > $after ... LIMIT`,
  `SKIP`, `offset(id(m))` ranges) scans the properties it reads over the whole table.
- `UNWIND $rows AS r WITH r, r.id AS id MATCH (m:Memory) WHERE m.id = id SET ...` is a hash
  join whose build side scans the whole table's ids: every batch costs a table scan.
  Matching on the struct field directly (`MATCH (m:Memory {id: r.id})`) is worse, a scan
  per row. A write addressed by storage offset, `MATCH (m:Memory) WHERE offset(id(m)) >=
  $lo AND offset(id(m)) < $hi SET m.x = $x[offset(id(m)) - $lo + 1]`, costs the same
  whatever the table's size; offsets are stable within a migration's transaction.
- kuzu 0.11.3 keeps every statement run with `Connection.execute(text, parameters)`, with
  its parameters, until the connection closes (about 1 KB per `UNWIND $rows` dict);
  a prepared statement run again keeps only its last parameters. Lists of plain values
  convert about ten times faster than lists of dicts.
- In list parameters, never mix `None` with dicts (the process crashes) or with lists
  (`None` becomes `[]`); a list of nothing but `None` fails and rolls back the transaction.
"""


def _row(figure: Figure) -> str:
    ratio = f"{figure.ratio:.3g}" if figure.ratio is not None else ""
    cells = [
        figure.section,
        figure.what,
        human(figure.value, figure.unit),
        figure.baseline_what,
        human(figure.baseline, figure.unit) if figure.baseline is not None else "",
        ratio,
        figure.note,
    ]
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def write(
    path: Path, results: Results, machine: dict[str, str], *, command: str, elapsed: float
) -> None:
    sizes = "; ".join(f"{name}: {value}" for name, value in results.sizes.items())
    text = HEADER.format(**machine, command=command, elapsed=human(elapsed, "s"), sizes=sizes)
    text += "\n".join(_row(figure) for figure in results.figures) + "\n" + FOOTER
    path.write_text(text, encoding="utf-8")
