"""End-to-end LSP tests: `fillin serve` over stdio, driven by pytest-lsp."""
