"""Reviewing the archive: replay, indexes, WACZ, search, reports (used by the commands)."""
