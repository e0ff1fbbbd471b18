"""Round-trip config editing that keeps a YAML file's quoting as well as comments and order."""

from __future__ import annotations

import io
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from kuzu_memory_migrations import ConfigFileError, ConfigMigration


class QuotePreservingConfigMigration(ConfigMigration):
    """Config editing whose saved YAML differs from the user's only in the changed keys.

    The core's round trip drops quotes (kuzu-memory writes `version: "1.0"`) and folds
    scalars longer than 80 columns onto a second line (an absolute `database.path` often is).
    """

    def load_config(self, path: Path | str | None = None) -> MutableMapping[str, Any]:
        target = self.path(path) if path is not None else self.get_config_path()
        if target.suffix not in {".yaml", ".yml"}:
            return super().load_config(target)
        if not self.exists(target):
            return {}
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        yaml = YAML(typ="rt")
        yaml.preserve_quotes = True
        try:
            data = yaml.load(self.read_text(target))
        except YAMLError as error:
            raise ConfigFileError(f"{target}: invalid YAML: {error}") from error
        if data is None:
            return {}
        if not isinstance(data, MutableMapping):
            raise ConfigFileError(f"{target}: expected a mapping, found {type(data).__name__}")
        return data

    def save_config(self, data: MutableMapping[str, Any], path: Path | str | None = None) -> None:
        target = self.path(path) if path is not None else self.get_config_path()
        if target.suffix not in {".yaml", ".yml"}:
            super().save_config(data, target)
            return
        from ruamel.yaml import YAML

        buffer = io.StringIO()
        yaml = YAML(typ="rt")
        yaml.indent(mapping=2, sequence=4, offset=2)
        yaml.width = 4096  # never fold a long path onto a second line
        yaml.dump(data, buffer)
        self.write_text(target, buffer.getvalue())
