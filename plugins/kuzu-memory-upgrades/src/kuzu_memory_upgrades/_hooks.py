"""Recognising kuzu-memory's own Claude Code hooks among a user's hooks."""

from __future__ import annotations

import re
from typing import Literal

Role = Literal["session-start", "enhance", "learn"]

_KUZU = re.compile(r"kuzu[-_]memory")
_ROLES: tuple[tuple[Role, re.Pattern[str]], ...] = (
    ("session-start", re.compile(r"(\bhooks\s+session-start\b|session_start_hook\.sh\b)")),
    ("enhance", re.compile(r"(\bhooks\s+enhance\b|enhance_hook\.sh\b)")),
    ("learn", re.compile(r"(\bhooks\s+learn\b|learn_hook\.sh\b)")),
)
ASYNC_ROLES: frozenset[Role] = frozenset({"session-start", "learn"})
"""Hooks that must not make Claude Code wait (1.6.33); `enhance` must stay synchronous."""


def hook_role(command: str) -> Role | None:
    """Which kuzu-memory hook a command is (CLI or bash-script form), None for anyone else's."""
    if not _KUZU.search(command):
        return None
    for role, pattern in _ROLES:
        if pattern.search(command):
            return role
    return None
