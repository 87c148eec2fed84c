"""Indexing tests: languages, workspace crawling and the SQLite symbol index."""
