"""The code fingerprint of a migration class: a hash of its own source, not its module's.

Editing one migration changes its fingerprint only, never its neighbours'. Each module's
source is parsed once, when its pack is loaded anyway; the start-up fast path never gets here.
"""

from __future__ import annotations

import ast
import hashlib
import sys
from functools import cache
from pathlib import Path


@cache
def _class_sources(filename: str) -> dict[str, str]:
    """Qualified class name -> its source text, for every class in one module."""
    try:
        source = Path(filename).read_text(encoding="utf-8")
        tree = ast.parse(source)
    except (OSError, SyntaxError, UnicodeDecodeError):
        return {}
    found: dict[str, str] = {}

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                qualname = f"{prefix}{node.name}"
                found[qualname] = ast.get_source_segment(source, node) or ""
                visit(node.body, f"{qualname}.")

    visit(tree.body, "")
    return found


def source_file(cls: type) -> str | None:
    module = sys.modules.get(cls.__module__)
    filename = getattr(module, "__file__", None)
    return str(filename) if filename else None


def code_fingerprint(cls: type) -> str | None:
    """sha256 of the class's source (None for classes made at run time)."""
    filename = source_file(cls)
    if filename is None:
        return None
    text = _class_sources(filename).get(cls.__qualname__)
    if not text:
        return None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def same_code(cls: type, recorded: str) -> bool:
    """Whether `recorded` is the fingerprint of the class's current code."""
    return code_fingerprint(cls) in {recorded, None}
