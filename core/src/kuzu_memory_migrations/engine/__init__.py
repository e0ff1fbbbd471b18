"""The mechanism: plugin loading, planning, journal, state and the runner."""
