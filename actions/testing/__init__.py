"""Testing configs and packs: fixture files with exact and partial assertions, fixtures
generated from triggers, and coverage of what the fixtures exercised (see docs/testing.md)."""
