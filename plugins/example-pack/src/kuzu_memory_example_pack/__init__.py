"""An example third-party migration pack for kuzu-memory projects."""

__version__ = "0.1.0"
