"""Author-facing tests: fixture packs in packs/ are importable by module name."""

import sys
from pathlib import Path

# At import time: PackContract subclasses load their plugins while tests are collected.
sys.path.insert(0, str(Path(__file__).parent / "packs"))
