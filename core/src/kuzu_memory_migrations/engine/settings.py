"""What a project's own config says to this framework: `.kuzu-memory/config.yaml`,

migrations:
  allow_paths:           # targets outside the project that links inside it may lead to
    - /home/me/dotfiles/claude
"""

from __future__ import annotations

from pathlib import Path

from ..contract.errors import ConfigFileError
from ..contract.layout import MEMORY_DIR

CONFIG = f"{MEMORY_DIR}/config.yaml"
SECTION, ALLOW_PATHS = "migrations", "allow_paths"


def allowed_paths(project_root: Path) -> list[Path]:
    """`migrations.allow_paths` of the project's config (none when the file has no such key)."""
    path = project_root / CONFIG
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    if ALLOW_PATHS not in text:
        return []  # ruamel costs tens of milliseconds to import: only when it is needed
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe").load(text)
    except YAMLError as error:
        raise ConfigFileError(f"{path}: invalid YAML: {error}") from error
    section = data.get(SECTION) if isinstance(data, dict) else None
    values = section.get(ALLOW_PATHS) if isinstance(section, dict) else None
    if values is None:
        return []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ConfigFileError(f"{path}: {SECTION}.{ALLOW_PATHS} must be a list of paths")
    return [Path(value).expanduser() for value in values]
