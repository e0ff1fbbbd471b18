"""Helpers for testing migrations on realistic kuzu-memory projects."""
