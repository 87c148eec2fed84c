"""The symbol index: a SQLite cache of every workspace file's definitions and imports.

`store` holds the database and its query API; `indexer` fills it from the file tree.
"""
