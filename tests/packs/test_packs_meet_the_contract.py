"""Both packs of this repository pass the contract checks every pack author gets."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import ClassVar

from kuzu_memory_migrations.testing.contract import PackContract
from packs_support import EXAMPLE, EXAMPLE_SRC, UPGRADES, UPGRADES_SRC

# Importable from source too, for runs outside `nox -s tests` (where they are installed).
for source in (UPGRADES_SRC, EXAMPLE_SRC):
    if str(source) not in sys.path:
        sys.path.append(str(source))


class TestKuzuMemoryUpgrades(PackContract):
    plugins = (UPGRADES,)


class TestExamplePack(PackContract):
    plugins = (EXAMPLE,)
    requires = (UPGRADES,)
    versions: ClassVar[Mapping[str, str]] = {"kuzu-memory-upgrades": "1.12.11"}
    unjournaled = (".kuzu-memory/audit.log",)  # the audit trail records failures on purpose
