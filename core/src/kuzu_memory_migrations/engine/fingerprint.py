"""The code fingerprint of a migration class: a hash of what its code does, not of its text.

A fingerprint is `ast1:` and the sha256 of the class's syntax tree (its own, not its
module's: editing one migration changes its fingerprint only, never its neighbours'), in a
canonical form that leaves out what cannot change behaviour: comments, docstrings and
other bare string statements, formatting, quoting, line numbers. A changed statement,
expression, default, base class or decorator still changes it. The form is spelled out
here rather than taken from `ast.dump`, whose output differs between Python releases, so
the same code has the same fingerprint on every supported Python.

Fingerprints recorded before the scheme had a name are the sha256 of the class's source
text (64 hex digits, no prefix). They are still compared correctly: a current fingerprint
carries that old form too, computed from the source as it is now, and equals a record in
the old form exactly when the source text is unchanged, as it did before. So upgrading the
framework reports no drift on its own; an old record whose class has since changed only in
comments still counts as drifted (its old text is not known, only its hash), and
`repair` records it again in the new form.

Each module's source is parsed once, when its pack is loaded anyway; the start-up fast
path never gets here.
"""

from __future__ import annotations

import ast
import hashlib
import sys
from functools import cache
from pathlib import Path
from typing import Any

SCHEME = "ast1"
"""The name of the current form; a record carrying another is compared as that form."""

_LEFT_OUT = frozenset({"type_comment", "kind"})
"""Fields that never change behaviour: `# type:` comments, a string's `u` prefix."""


class Fingerprint(str):
    """A fingerprint in the current form, `ast1:<sha256>`, that also equals a record of
    the same code made in the old, unprefixed form (the sha256 of the source text).

    Comparing it with `==` to a recorded fingerprint of either form answers "is this the
    code that was recorded?"; `matches` says the same for code that is only a string.
    """

    legacy: str
    """The old form: sha256 of the class's source text as it is now."""

    def __new__(cls, value: str, legacy: str) -> Fingerprint:
        made = super().__new__(cls, value)
        made.legacy = legacy
        return made

    def matches(self, recorded: str | None) -> bool:
        if recorded is None:
            return False
        if is_legacy(recorded):
            return recorded == self.legacy
        return str.__eq__(self, recorded)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Fingerprint):
            return str.__eq__(self, other)
        if isinstance(other, str):
            return self.matches(other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = str.__hash__

    def __reduce__(self) -> tuple[Any, ...]:
        return (Fingerprint, (str(self), self.legacy))


def is_legacy(recorded: str) -> bool:
    """A fingerprint recorded before schemes had names: 64 hex digits, no prefix."""
    return ":" not in recorded


def matches(recorded: str | None, cls: type) -> bool:
    """Whether ``recorded`` (either form) is the fingerprint of ``cls``'s current code."""
    current = code_fingerprint(cls)
    return current is not None and current.matches(recorded)


@cache
def _class_sources(filename: str) -> dict[str, tuple[ast.ClassDef, str]]:
    """Qualified class name -> its syntax tree and source text, for every class in a module."""
    try:
        source = Path(filename).read_text(encoding="utf-8")
        tree = ast.parse(source)
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return {}
    found: dict[str, tuple[ast.ClassDef, str]] = {}

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                qualname = f"{prefix}{node.name}"
                found[qualname] = (node, ast.get_source_segment(source, node) or "")
                visit(node.body, f"{qualname}.")

    visit(tree.body, "")
    return found


def _is_bare_string(node: object) -> bool:
    """A docstring, or any string written as a statement of its own: it does nothing."""
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _f_string_parts(node: ast.JoinedStr) -> list[ast.expr]:
    """An f-string's parts with adjacent literal text merged and empty text left out, as
    Python releases parse the same f-string into differently split parts."""
    parts: list[ast.expr] = []
    for part in node.values:
        if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
            parts.append(part)
            continue
        if not part.value:
            continue
        previous = parts[-1] if parts else None
        if isinstance(previous, ast.Constant) and isinstance(previous.value, str):
            parts[-1] = ast.Constant(previous.value + part.value)
        else:
            parts.append(part)
    return parts


def canonical(node: object) -> str:
    """The syntax tree as text: node types and fields, no positions, no bare strings, and
    no field left empty (so a field a newer Python adds, such as `type_params`, is absent
    wherever it is unused, as on the Python without it)."""
    if isinstance(node, ast.JoinedStr):
        return f"JoinedStr(values={canonical(_f_string_parts(node))})"
    if isinstance(node, ast.AST):
        fields = []
        for name in node._fields:
            value = getattr(node, name, None)
            if name in _LEFT_OUT or value is None or value == []:
                continue
            fields.append(f"{name}={canonical(value)}")
        return f"{type(node).__name__}({', '.join(fields)})"
    if isinstance(node, list):
        kept = [item for item in node if not _is_bare_string(item)]
        return "[" + ", ".join(canonical(item) for item in kept) + "]"
    return f"{type(node).__name__}:{node!r}"


def source_file(cls: type) -> str | None:
    module = sys.modules.get(cls.__module__)
    filename = getattr(module, "__file__", None)
    return str(filename) if filename else None


def code_fingerprint(cls: type) -> Fingerprint | None:
    """The fingerprint of the class's code (None for classes made at run time)."""
    filename = source_file(cls)
    if filename is None:
        return None
    found = _class_sources(filename).get(cls.__qualname__)
    if found is None or not found[1]:
        return None
    node, text = found
    digest = hashlib.sha256(canonical(node).encode("utf-8")).hexdigest()
    return Fingerprint(f"{SCHEME}:{digest}", hashlib.sha256(text.encode("utf-8")).hexdigest())


def same_code(cls: type, recorded: str) -> bool:
    """Whether `recorded` (either form) is the fingerprint of the class's current code; a
    class whose code cannot be read (made at run time) counts as unchanged."""
    current = code_fingerprint(cls)
    return current is None or current.matches(recorded)
