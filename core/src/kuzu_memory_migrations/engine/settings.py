"""What a project's own config says to this framework: `.kuzu-memory/config.yaml`,

migrations:
  allow_paths:           # targets outside the project that links inside it may lead to
    - /home/me/dotfiles/claude
database:
  engine: ladybug        # kuzu | ladybug: the engine of a database file not made yet
"""

from __future__ import annotations

from pathlib import Path

from ..contract.errors import ConfigFileError
from ..contract.layout import MEMORY_DIR

CONFIG = f"{MEMORY_DIR}/config.yaml"
SECTION, ALLOW_PATHS = "migrations", "allow_paths"
DATABASE_SECTION, ENGINE = "database", "engine"


def _setting(project_root: Path, section: str, key: str) -> object:
    """`section.key` of the project's config; None when the file has no such key."""
    path = project_root / CONFIG
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if key not in text:
        return None  # ruamel costs tens of milliseconds to import: only when it is needed
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe").load(text)
    except YAMLError as error:
        raise ConfigFileError.invalid_yaml(path, error) from error
    values = data.get(section) if isinstance(data, dict) else None
    return values.get(key) if isinstance(values, dict) else None


def allowed_paths(project_root: Path) -> list[Path]:
    """`migrations.allow_paths` of the project's config (none when the file has no such key)."""
    path = project_root / CONFIG
    values = _setting(project_root, SECTION, ALLOW_PATHS)
    if values is None:
        return []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ConfigFileError(f"{path}: {SECTION}.{ALLOW_PATHS} must be a list of paths")
    return [Path(value).expanduser() for value in values]


def configured_engine(project_root: Path) -> str | None:
    """`database.engine` of the project's config: the engine of a database not made yet."""
    value = _setting(project_root, DATABASE_SECTION, ENGINE)
    if value is not None and not isinstance(value, str):
        where = f"{project_root / CONFIG}: {DATABASE_SECTION}.{ENGINE}"
        raise ConfigFileError(f"{where} must be an engine's name (kuzu or ladybug)")
    return value
