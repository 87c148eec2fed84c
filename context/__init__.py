"""fillin's engine: documents, settings, syntax, the symbol index, retrieval, prompts,
model backends, post-processing and validation.

Nothing in this package knows about LSP: it speaks in paths, strings, offsets and frozen
dataclasses, and `lsp_server/` translates. The layer contract is enforced by import-linter
(see pyproject.toml).
"""
