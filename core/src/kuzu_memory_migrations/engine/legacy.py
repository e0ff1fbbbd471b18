"""`migration_state.json`: the file kuzu-memory's built-in migration system reads and writes.

Its shape stays exactly the old one: `last_version` and `history`, each entry with `name
version migration_type timestamp success message changes`. kuzu-memory 1.12.11 runs its own
manager at every command and rewrites the file with those two keys only, so the
framework's records live in its private folder (`records`) and this file is a mirror:

- before the records are used, the file is read: entries the host appended itself (its
  own migrations) are recorded as the host's, never mistaken for orphans; a file written by
  this framework's first format (records inside, under `kuzu_memory_migrations`) is
  imported once;
- after every change of the records, the file is written again from them: every entry of
  the host's, every built-in name one of ours did the work of (`legacy_names`), and the
  newest `LEGACY_KEPT` of this framework's applied migrations, so its length stays bounded
  however long the history grows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .atomic import atomic_write
from .errors import StateError
from .records import (
    Applied,
    Event,
    FailureRecord,
    HistoryEntry,
    HostRecorded,
    MetaSet,
    Provenance,
    Records,
    ReferenceAccepted,
    VersionsMigrated,
)

LEGACY_KEPT = 200
"""This framework's newest applied migrations listed in the legacy file."""
FORMAT_1_KEY = "kuzu_memory_migrations"
DIGEST = "legacy_digest"
"""Records meta key: sha256 of the legacy file as last written or read."""
FORMAT_1_IMPORTED = "format_1_imported"
_OWN_KEYS = ("last_version", "history")
_WAY_OUT = (
    "move it aside (or restore it from a backup) to start again; "
    "`kuzu-memory-migrations reset --yes` replaces it and keeps the old bytes beside it"
)


_REWRITE_FROM_RECORDS = (
    "our records ({records}) hold the history it mirrors: move it aside and the next run "
    "writes it again from them (only entries kuzu-memory's built-in system added since "
    "then are not in them; `kuzu-memory-migrations reset --yes` would forget all history)"
)


class CorruptFile(StateError):
    """The legacy file cannot be read; the way out depends on what the records hold."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path} {problem}")
        self.path, self.problem, self.way_out = path, problem, _WAY_OUT

    def __str__(self) -> str:
        return f"{self.path} {self.problem}; {self.way_out}"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read(path: Path) -> tuple[bytes, dict[str, Any]] | None:
    """The file's bytes and content; None when there is none. Bad content names the file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise StateError(f"{path} cannot be read: {error}") from error
    try:
        data = json.loads(raw)
    except UnicodeDecodeError:
        raise CorruptFile(path, "is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        detail = f"line {error.lineno}, column {error.colno}: {error.msg}"
        raise CorruptFile(path, f"is corrupt ({detail})") from None
    except RecursionError:
        raise CorruptFile(path, "is corrupt (nested too deeply to read)") from None
    if not isinstance(data, dict):
        found = type(data).__name__
        raise CorruptFile(path, f"is corrupt (a JSON object expected, found {found})")
    history = data.get("history", [])
    if not isinstance(history, list):
        raise CorruptFile(path, "is corrupt (history is not a list)")
    return raw, data


def _entries(path: Path, data: dict[str, Any]) -> list[HistoryEntry]:
    entries = []
    for index, item in enumerate(data.get("history", [])):
        try:
            entries.append(HistoryEntry.model_validate(item))
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "entry"
            problem = f"is corrupt (history[{index}].{where}: {first['msg']})"
            raise CorruptFile(path, problem) from None
    return entries


def changes_since(records: Records, path: Path) -> list[Event]:
    """What the legacy file says that the records do not know yet, as events.

    Nothing when the file is exactly as last seen; entries of the host's otherwise, and
    once, the records of this framework's first format if the file holds them.
    """
    try:
        return _changes_since(records, path)
    except CorruptFile as corrupt:
        if records.meta(DIGEST) is not None:  # we have mirrored our records into it before
            corrupt.way_out = _REWRITE_FROM_RECORDS.format(records=records.path)
        raise


def _changes_since(records: Records, path: Path) -> list[Event]:
    found = read(path)
    if found is None:
        return []
    raw, data = found
    seen = MetaSet(DIGEST, _digest(raw))
    if records.meta(DIGEST) == seen.value:
        return []
    ours = mirror(records, data)
    if raw == ours:  # written by us; only the note of having written it was lost
        return [seen]
    events: list[Event] = []
    if FORMAT_1_KEY in data and records.meta(FORMAT_1_IMPORTED) is None:
        events += [*_format_1(path, data), MetaSet(FORMAT_1_IMPORTED, "1")]
    known = records.host_entries() | {
        (e.entry.name, e.entry.timestamp) for e in events if isinstance(e, Applied)
    }
    new = tuple(e for e in _entries(path, data) if (e.name, e.timestamp) not in known)
    last_version = data.get("last_version")
    if not isinstance(last_version, str) or last_version == json.loads(ours)["last_version"]:
        last_version = None  # what we wrote ourselves, not news from the host
    if new or last_version:
        events.append(HostRecorded(new, last_version))
    return [*events, seen]


def _format_1(path: Path, data: dict[str, Any]) -> list[Event]:
    """The first format kept provenance, failures and versions inside this file."""
    framework = data[FORMAT_1_KEY]
    if not isinstance(framework, dict):
        return []
    try:
        applied = {
            name: Provenance.model_validate(p)
            for name, p in (framework.get("applied") or {}).items()
        }
        failures = {
            name: FailureRecord.model_validate(f)
            for name, f in (framework.get("failures") or {}).items()
        }
        versions = {str(k): str(v) for k, v in (framework.get("migrated_versions") or {}).items()}
        references = {
            str(k): str(v) for k, v in (framework.get("reference_fingerprints") or {}).items()
        }
    except (ValidationError, AttributeError, TypeError) as error:
        raise CorruptFile(path, f"is corrupt ({FORMAT_1_KEY}: {error})") from None
    events: list[Event] = []
    for entry in _entries(path, data):
        if entry.success and entry.name in applied:
            events.append(Applied(entry, applied.pop(entry.name)))
    del failures  # a failure is retried anyway; the count only throttled start-up retries
    if versions:
        events.append(VersionsMigrated(versions))
    events += [ReferenceAccepted(name, fp) for name, fp in references.items()]
    return events


def mirror(records: Records, others: dict[str, Any] | None = None) -> bytes:
    """The legacy file's bytes as the records say they should be; `others` are top-level
    keys someone else keeps in the file, kept as they are."""
    versions = records.migrated_versions()
    host = records.meta("host_last_version")
    last_version = versions.get("kuzu-memory") or host or "0.0.0"
    if host and _newer(host, last_version):
        last_version = host
    history = [json.loads(e.model_dump_json()) for e in records.legacy_history(LEGACY_KEPT)]
    kept = {k: v for k, v in (others or {}).items() if k not in {*_OWN_KEYS, FORMAT_1_KEY}}
    text = json.dumps({"last_version": last_version, "history": history, **kept}, indent=2)
    return (text + "\n").encode("utf-8")


def _newer(a: str, b: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(a) > Version(b)
    except InvalidVersion:
        return False


def write(records: Records, path: Path, before_change: Callable[[], None] = lambda: None) -> None:
    """Bring the legacy file in line with the records (unchanged bytes are not rewritten);
    `before_change` is called first when something is about to be written."""
    found = read(path)
    current, others = found if found is not None else (None, {})
    data = mirror(records, others)
    noted = records.meta(DIGEST) == _digest(data)
    if current != data or not noted:
        before_change()
    if current != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, data)
    if not noted:
        records.record(MetaSet(DIGEST, _digest(data)))
