"""Moving a kuzu-memory project's database from Kuzu to LadybugDB, as a migration pack."""

__version__ = "0.1.0"
